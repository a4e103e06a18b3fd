import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  isEndpointPattern,
  parseRbacPolicy,
  permissionsFor,
  RbacConfigError,
} from '../src/index.js'

const example = readFileSync(
  fileURLToPath(new URL('../examples/rbac.yaml', import.meta.url)),
  'utf8',
)

t.test('the shipped example parses, with the three roles', async (t) => {
  const p = parseRbacPolicy(example)
  t.same([...p.roles.keys()].sort(), ['invite-manager', 'moderator', 'pds-admin'])
  const mod = permissionsFor(p, 'did:plc:44ybard66vv44zksje25o7dz')
  t.ok(mod.allows('com.atproto.admin.updateSubjectStatus', null))
  t.notOk(mod.allows('com.atproto.admin.deleteAccount', null))
  const admin = permissionsFor(p, 'did:plc:ewvi7nxzyoun6zhxrhs64oiz')
  t.ok(admin.allows('com.atproto.admin.deleteAccount', null), 'prefix pattern')
})

t.test('effective permissions are the union of roles', async (t) => {
  const p = parseRbacPolicy(example)
  const both = permissionsFor(p, 'did:plc:z72i7hdynmk6r22z27h6tvur')
  t.same(both.roleNames, ['moderator', 'invite-manager'])
  t.ok(both.allows('com.atproto.admin.updateSubjectStatus', null))
  t.ok(both.allows('com.atproto.server.createInviteCode', null))
  t.notOk(permissionsFor(p, 'did:plc:nobodynobodynobodynobody').isMember)
})

t.test('host limits', async (t) => {
  const p = parseRbacPolicy(`roles:
  r: { endpoints: [com.atproto.admin.updateSubjectStatus], hosts: ['https://pds1.example.com/', did:web:pds3.example.com] }
members:
  did:plc:aaaaaaaaaaaaaaaaaaaaaaaa: [r]`)
  const m = permissionsFor(p, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')
  t.ok(
    m.allows('com.atproto.admin.updateSubjectStatus', {
      url: 'https://pds1.example.com',
      did: 'did:web:x',
    }),
  )
  t.ok(
    m.allows('com.atproto.admin.updateSubjectStatus', {
      url: 'https://other',
      did: 'did:web:pds3.example.com',
    }),
  )
  t.notOk(
    m.allows('com.atproto.admin.updateSubjectStatus', {
      url: 'https://pds2.example.com',
      did: 'did:web:y',
    }),
  )
  t.notOk(
    m.allows('com.atproto.admin.updateSubjectStatus', null),
    'no host: not granted by a host-limited role',
  )
  t.ok(m.mayEver('com.atproto.admin.updateSubjectStatus'))
})

t.test('patterns', async (t) => {
  for (const ok of [
    '*',
    'com.atproto.admin.*',
    'com.atproto.admin.get*',
    'com.atproto.admin.getAccountInfo',
    'com.*',
  ])
    t.ok(isEndpointPattern(ok), ok)
  for (const bad of [
    '',
    'com',
    'com.atproto.*.x',
    '*.admin',
    'com..atproto',
    'com.atproto.admin.get Account',
    'com.atproto.ad*min',
  ])
    t.notOk(isEndpointPattern(bad), bad)
})

t.test('strict validation lists every problem with its path', async (t) => {
  const err = t.throws(() =>
    parseRbacPolicy(`roles:
  Mod:
    endpoints: ['com..x', 42]
    hots: [x]
  empty: {}
  limited: { endpoints: ['*'], hosts: [ftp://x, 'https://x/path'] }
members:
  not-a-did: [Mod]
  did:plc:aaaaaaaaaaaaaaaaaaaaaaaa: [ghost]
extra: 1`),
  ) as RbacConfigError
  t.type(err, RbacConfigError)
  const msgs = err.problems.join('\n')
  for (const want of [
    'extra: unknown top-level key',
    'roles.Mod: role names are lower-case',
    'roles.Mod.endpoints[0]: "com..x" is not an NSID',
    'roles.Mod.endpoints[1]: 42 is not',
    'roles.Mod.hots: unknown key',
    'roles.empty.endpoints: must be a non-empty list',
    'roles.limited.hosts[0]: "ftp://x" is not a host origin',
    'roles.limited.hosts[1]',
    'members.not-a-did: not a did:plc or did:web DID',
    'members.did:plc:aaaaaaaaaaaaaaaaaaaaaaaa[0]: unknown role "ghost"',
  ])
    t.match(msgs, want)
})

t.test('YAML syntax errors and duplicate keys are refused', async (t) => {
  t.throws(() => parseRbacPolicy('roles: [unclosed'), {
    name: 'RbacConfigError',
    message: /YAML syntax/,
  })
  t.throws(
    () => parseRbacPolicy('roles:\n  a: { endpoints: ["*"] }\n  a: { endpoints: ["*"] }\n'),
    { message: /YAML syntax/ },
  )
  t.throws(() => parseRbacPolicy('- a\n- b\n'), { message: /must be a mapping/ })
})

t.test("pds-gatekeeper's file loads unchanged: members as a list of { did, roles }", async (t) => {
  const gatekeeper = readFileSync(
    fileURLToPath(new URL('../examples/gatekeeper-rbac.yaml', import.meta.url)),
    'utf8',
  )
  t.match(gatekeeper, /members:\n(?:\s*#.*\n)*\s+- did: /, 'the example is in the list form')
  const p = parseRbacPolicy(gatekeeper)
  t.same([...p.roles.keys()].sort(), ['invite-manager', 'moderator', 'pds-admin'])
  t.same([...p.members.keys()].sort(), [
    'did:plc:44ybard66vv44zksje25o7dz',
    'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
    'did:plc:z72i7hdynmk6r22z27h6tvur',
  ])
  const admin = permissionsFor(p, 'did:plc:ewvi7nxzyoun6zhxrhs64oiz')
  t.same(admin.roleNames, ['pds-admin'])
  t.ok(admin.allows('com.atproto.admin.deleteAccount', null))
  const both = permissionsFor(p, 'did:plc:z72i7hdynmk6r22z27h6tvur')
  t.same(both.roleNames, ['moderator', 'invite-manager'])
  t.ok(both.allows('com.atproto.admin.updateSubjectStatus', null))
  t.ok(both.allows('com.atproto.server.createInviteCodes', null))
  t.notOk(both.allows('com.atproto.admin.deleteAccount', null))
  t.same(
    permissionsFor(p, 'did:plc:44ybard66vv44zksje25o7dz').roleNames,
    ['moderator'],
    'a flow-style roles list',
  )
})

t.test('the list form is validated like the map form, every problem with its path', async (t) => {
  const err = t.throws(() =>
    parseRbacPolicy(`roles:
  mod: { description: m, endpoints: [com.atproto.admin.getAccountInfo] }
members:
  - did: not-a-did
    roles: [mod]
  - did: did:plc:aaaaaaaaaaaaaaaaaaaaaaaa
    roles: [ghost]
  - did: did:plc:bbbbbbbbbbbbbbbbbbbbbbbb
  - did: did:plc:cccccccccccccccccccccccc
    roles: [mod]
    role: [mod]
  - just-a-string`),
  ) as RbacConfigError
  const msgs = err.problems.join('\n')
  for (const want of [
    'members[0].did: not a did:plc or did:web DID',
    'members[1].roles[0]: unknown role "ghost"',
    'members[2].roles: must be a non-empty list of role names',
    'members[3].role: unknown key',
    'members[4]: must be a mapping with did and roles',
  ])
    t.match(msgs, want)
  t.equal(err.problems.length, 5, msgs)
})

t.test('a DID listed twice in the list form holds the roles of both entries', async (t) => {
  const p = parseRbacPolicy(`roles:
  a: { endpoints: [com.atproto.admin.getAccountInfo] }
  b: { endpoints: [com.atproto.admin.getInviteCodes] }
members:
  - { did: did:plc:aaaaaaaaaaaaaaaaaaaaaaaa, roles: [a] }
  - { did: did:plc:aaaaaaaaaaaaaaaaaaaaaaaa, roles: [b, a] }`)
  t.same(permissionsFor(p, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa').roleNames, ['a', 'b'])
})
