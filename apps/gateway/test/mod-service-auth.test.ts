import t from 'tap'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { testDatabaseTargets } from '@entryway/db'
import { BASIC_ADMIN, seedAccounts, startInProcessGateway } from './in-process-gateway.js'
import { serveOnLoopback } from './stub-servers.js'

// Moderation services (Ozone) at the Entryway, through a real gateway on a real database: service
// JWTs from a configured DID (its document served by this test's PLC) on exactly the moderator admin
// methods, as the reference PDS's `authVerifier.moderator`; every bad token is a 401 and counts
// against the admin failure limit. The accounts' PDS is down here: the admin views still answer
// with the Entryway's part (admin-xrpc-e2e.test.ts covers the merge with real PDSes).

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)
const ALICE = {
  did: 'did:plc:alicealicealicealiceali',
  handle: 'alice.example.test',
  password: 'alice-pw-1',
  email: 'alice@mail.test',
}

t.test(`${target!.name}: moderation service JWTs on the admin methods`, async (t) => {
  const labelKey = await Secp256k1Keypair.create()
  const otherKey = await Secp256k1Keypair.create()
  // a PLC DID (the gateway fetches did:web only over https on the default port): this test's PLC
  // serves its document, with the labeler key as `#atproto_label`
  const modDid = 'did:plc:moderationmoderationmod'
  // a second DID with a good document and key: only the configured list keeps it out
  const strangerDid = 'did:plc:strangerstrangerstranger'
  const atprotoKey = await Secp256k1Keypair.create()
  const docs = new Map([
    [
      modDid,
      [
        ['atproto_label', labelKey],
        ['atproto', atprotoKey],
      ] as const,
    ],
    [
      strangerDid,
      [
        ['atproto_label', otherKey],
        ['atproto', otherKey],
      ] as const,
    ],
  ])
  const plcUrl = await serveOnLoopback(t, (req, res) => {
    const did = decodeURIComponent((req.url ?? '').slice(1))
    const keys = docs.get(did)
    if (!keys) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: did,
        verificationMethod: keys.map(([id, k]) => ({
          id: `${did}#${id}`,
          type: 'Multikey',
          controller: did,
          publicKeyMultibase: k.did().slice('did:key:'.length),
        })),
      }),
    )
  })

  const database = await target!.open()
  t.teardown(() => database.close())
  await seedAccounts(database, [ALICE])
  const { url } = await startInProcessGateway(t, database, {
    ENTRYWAY_PLC_URL: plcUrl,
    ENTRYWAY_MOD_SERVICE_DIDS: modDid,
    ENTRYWAY_RATE_LIMIT_ADMIN_PASSWORD_FAILURES: '12/15m',
  })
  const entrywayDid = `did:web:${new URL(url).hostname}`
  let client = 0
  /** Each subtest calls from its own address: the failure limit is per address. */
  const newClient = () => `198.51.100.${++client}`
  const jwt = (
    lxm: string | null,
    o: { aud?: string; iss?: string; key?: Secp256k1Keypair; exp?: number } = {},
  ) =>
    createServiceJwt({
      iss: o.iss ?? `${modDid}#atproto_labeler`,
      aud: o.aud ?? entrywayDid,
      lxm,
      keypair: o.key ?? labelKey,
      ...(o.exp ? { exp: o.exp } : {}),
    })
  const call = async (
    nsid: string,
    auth: string | null,
    ip: string,
    o: { query?: Record<string, string>; body?: unknown } = {},
  ) => {
    const u = new URL(`/xrpc/${nsid}`, url)
    for (const [k, v] of Object.entries(o.query ?? {})) u.searchParams.set(k, v)
    const res = await fetch(u, {
      method: o.body === undefined ? 'GET' : 'POST',
      headers: {
        'x-forwarded-for': ip,
        ...(auth ? { authorization: auth.startsWith('Basic ') ? auth : `Bearer ${auth}` } : {}),
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    })
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> }
  }

  await t.test('accepted on the moderator methods', async (t) => {
    const ip = newClient()
    const info = await call(
      'com.atproto.admin.getAccountInfo',
      await jwt('com.atproto.admin.getAccountInfo'),
      ip,
      { query: { did: ALICE.did } },
    )
    t.equal(info.status, 200, JSON.stringify(info.body))
    t.match(
      info.body,
      { did: ALICE.did, handle: ALICE.handle, email: ALICE.email },
      "the Entryway's part, though the PDS is down",
    )
    const search = await call(
      'com.atproto.admin.searchAccounts',
      await jwt('com.atproto.admin.searchAccounts'),
      ip,
      { query: { email: 'alice@' } },
    )
    t.same(
      search.body.accounts?.map((a: { did: string }) => a.did),
      [ALICE.did],
    )
    t.equal(
      (
        await call(
          'com.atproto.admin.getInviteCodes',
          await jwt('com.atproto.admin.getInviteCodes'),
          ip,
        )
      ).status,
      200,
      'placement: getInviteCodes',
    )
    t.equal(
      (
        await call(
          'com.atproto.admin.disableAccountInvites',
          await jwt('com.atproto.admin.disableAccountInvites'),
          ip,
          { body: { account: ALICE.did } },
        )
      ).status,
      200,
      'placement: disableAccountInvites',
    )
    t.equal(
      (
        await call('com.atproto.admin.getAccountInfo', BASIC_ADMIN, ip, {
          query: { did: ALICE.did },
        })
      ).body.invitesDisabled,
      true,
    )
    const bare = await call(
      'com.atproto.admin.getAccountInfo',
      await jwt('com.atproto.admin.getAccountInfo', { iss: modDid, key: atprotoKey }),
      ip,
      { query: { did: ALICE.did } },
    )
    t.equal(bare.status, 200, 'the bare DID as issuer, with its #atproto key')
  })

  await t.test('refused: 401 for each bad token', async (t) => {
    const ip = newClient()
    const cases: Array<[string, string]> = [
      [
        'wrong aud',
        await jwt('com.atproto.admin.getAccountInfo', { aud: 'did:web:elsewhere.test' }),
      ],
      ['wrong lxm', await jwt('com.atproto.admin.getSubjectStatus')],
      ['no lxm', await jwt(null)],
      [
        'expired',
        await jwt('com.atproto.admin.getAccountInfo', { exp: Math.floor(Date.now() / 1000) - 300 }),
      ],
      [
        'unknown iss (its own document and key are good)',
        await jwt('com.atproto.admin.getAccountInfo', {
          iss: `${strangerDid}#atproto_labeler`,
          key: otherKey,
        }),
      ],
      [
        'unknown iss, bare DID',
        await jwt('com.atproto.admin.getAccountInfo', { iss: strangerDid, key: otherKey }),
      ],
      ['wrong key', await jwt('com.atproto.admin.getAccountInfo', { key: otherKey })],
      [
        'labeler issuer signed with the #atproto key',
        await jwt('com.atproto.admin.getAccountInfo', { key: atprotoKey }),
      ],
      [
        'bare DID signed with the #atproto_label key',
        await jwt('com.atproto.admin.getAccountInfo', { iss: modDid }),
      ],
    ]
    for (const [why, token] of cases) {
      const res = await call('com.atproto.admin.getAccountInfo', token, ip, {
        query: { did: ALICE.did },
      })
      t.equal(res.status, 401, `${why}: ${res.body.error} ${res.body.message}`)
    }
  })

  await t.test('the Basic-only methods refuse a moderation service, as on the PDS', async (t) => {
    const ip = newClient()
    for (const nsid of [
      'com.atproto.admin.deleteAccount',
      'com.atproto.admin.updateAccountPassword',
      'com.atproto.admin.updateAccountEmail',
      'com.atproto.admin.updateAccountHandle',
    ]) {
      const res = await call(nsid, await jwt(nsid), ip, {
        body: {
          did: ALICE.did,
          account: ALICE.did,
          password: 'new-password-1',
          email: 'new@mail.test',
          handle: 'new.example.test',
        },
      })
      t.equal(res.status, 401, nsid)
    }
  })

  await t.test(
    'other admin methods: 401 anonymous, 501 once authenticated (Basic or moderation service)',
    async (t) => {
      const ip = newClient()
      const nsid = 'com.atproto.admin.updateAccountSigningKey'
      t.equal((await call(nsid, null, ip, { body: {} })).status, 401)
      t.equal(
        (
          await call(nsid, 'Basic ' + Buffer.from('admin:wrong').toString('base64'), ip, {
            body: {},
          })
        ).status,
        401,
      )
      t.equal((await call(nsid, BASIC_ADMIN, ip, { body: {} })).status, 501)
      t.equal((await call(nsid, await jwt(nsid), ip, { body: {} })).status, 501)
      t.equal(
        (await call(nsid, await jwt('com.atproto.admin.getAccountInfo'), ip, { body: {} })).status,
        401,
        'the token must name the method',
      )
      t.equal(
        (await call('com.atproto.admin.someFutureQuery', BASIC_ADMIN, ip)).status,
        501,
        'GET too',
      )
    },
  )

  await t.test('bad tokens count against the admin failure limit', async (t) => {
    const ip = newClient()
    const bad = await jwt('com.atproto.admin.getAccountInfo', { key: otherKey })
    const statuses: number[] = []
    for (let i = 0; i < 13; i++)
      statuses.push(
        (await call('com.atproto.admin.getAccountInfo', bad, ip, { query: { did: ALICE.did } }))
          .status,
      )
    t.same(statuses, [...Array(12).fill(401), 429], 'the thirteenth is refused before any check')
    const good = await call(
      'com.atproto.admin.getAccountInfo',
      await jwt('com.atproto.admin.getAccountInfo'),
      ip,
      { query: { did: ALICE.did } },
    )
    t.equal(good.status, 429, 'even a good token, from that address')
    t.equal(
      (
        await call(
          'com.atproto.admin.getAccountInfo',
          await jwt('com.atproto.admin.getAccountInfo'),
          newClient(),
          { query: { did: ALICE.did } },
        )
      ).status,
      200,
      'others are unaffected',
    )
  })
})
