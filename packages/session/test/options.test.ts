import t from 'tap'
import {
  JwtKeyring,
  MemoryAccountStore,
  MemoryAppPasswordStore,
  MemoryEmailTokenStore,
  MemoryMailer,
  MemoryRefreshTokenStore,
  resolveOptions,
  type SessionPluginOptions,
} from '../src/index.js'

t.test('resolveOptions fills defaults, freezes and rejects bad options', async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const base: SessionPluginOptions = {
    accounts: new MemoryAccountStore(),
    appPasswords: new MemoryAppPasswordStore(),
    emailTokens: new MemoryEmailTokenStore(),
    refreshTokens: new MemoryRefreshTokenStore(),
    keyring,
    entrywayDid: 'did:web:e.test',
    didResolver: { resolve: async () => null },
    mailer: new MemoryMailer(),
    serviceName: 'E',
    pdsAdminPassword: 'pw',
    plc: { signUpdate: async () => ({}), tombstone: async () => {} },
  }
  const o = resolveOptions(base)
  t.ok(Object.isFrozen(o))
  t.equal(o.includeDidDoc, true)
  t.equal(o.passwordConcurrency, 2)
  t.same(o.rateLimits, {
    loginPerAccount: { points: 30, durationMs: 300_000 },
    loginPerAccountDaily: { points: 300, durationMs: 86_400_000 },
    loginPerIp: { points: 300, durationMs: 300_000 },
    emailPerAccount: { points: 5, durationMs: 3_600_000 },
    emailPerAccountDaily: { points: 15, durationMs: 86_400_000 },
    emailRequestPerIp: { points: 5, durationMs: 3_600_000 },
    passwordResetRequestPerIp: { points: 15, durationMs: 3_600_000 },
    passwordResetRequestPerIpDaily: { points: 50, durationMs: 86_400_000 },
    passwordResetPerIp: { points: 50, durationMs: 300_000 },
    deleteAccountPerIp: { points: 50, durationMs: 300_000 },
  })
  t.equal(resolveOptions({ ...base, rateLimits: false }).rateLimits, null)
  t.throws(
    () => resolveOptions({ ...base, entrywayDid: 'nope' }),
    /@entryway\/session: entrywayDid/,
  )
  t.throws(() => resolveOptions({ ...base, passwordConcurrency: 0 }), /passwordConcurrency/)
  t.throws(() => resolveOptions({ ...base, plc: undefined }), /plcUrl/)
  t.throws(() => resolveOptions({ ...base, mailer: undefined as never }), /mailer is required/)
  t.throws(
    () => resolveOptions({ ...base, rateLimits: { loginPerIp: { points: -1, durationMs: 1000 } } }),
    /loginPerIp/,
  )
  t.equal(base.includeDidDoc, undefined, 'input not mutated')
})
