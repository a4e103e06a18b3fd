import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { abuseGateway, repeat, type AbuseGateway } from './helpers.js'
import { PASSING_TOKEN, startCaptchaStandIn } from '../captcha-stand-in.js'

// Sign-up throttles (per IP per hour, per /24 and /48, service-wide on admitted sign-ups), shared
// through Redis by two instances, the disposable-email block list, and login/refresh untouched.

const alice = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-password',
}
const createAccount = (g: AbuseGateway, ip: string, extra: Record<string, unknown> = {}) =>
  g.post(
    'com.atproto.server.createAccount',
    { handle: 'new.example.test', email: 'new@mail.test', password: 'a-password-1', ...extra },
    { ip },
  )

t.test(
  'per /24 and per /48: neighbours share a count, other networks do not; login and refresh unaffected',
  async (t) => {
    const g = await abuseGateway(t, [alice], { ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_SUBNET: '3/1h' })
    const v4 = await repeat(4, (i) => createAccount(g, `203.0.113.${i + 1}`))
    t.not(v4[2], 429, 'three sign-ups from one /24 pass the throttle')
    t.equal(v4[3], 429, 'the fourth from another address of the same /24 is refused')
    t.not((await createAccount(g, '203.0.114.1')).status, 429, 'the next /24 has its own count')

    const v6 = await repeat(4, (i) =>
      createAccount(g, `2001:db8:5:${(i + 1).toString(16)}::${i + 1}`),
    )
    t.not(v6[2], 429, 'three from one /48 pass')
    t.equal(v6[3], 429, 'the fourth from the same /48 is refused')
    t.not((await createAccount(g, '2001:db8:6::1')).status, 429, 'the next /48 has its own count')
    t.equal(
      (await createAccount(g, '::ffff:203.0.113.200')).status,
      429,
      'an IPv4-mapped address counts in its /24',
    )

    const login = await g.post(
      'com.atproto.server.createSession',
      { identifier: alice.handle, password: alice.password },
      { ip: '203.0.113.4' },
    )
    t.equal(login.status, 200, 'login from the throttled address still works')
    const refresh = await g.post(
      'com.atproto.server.refreshSession',
      {},
      { ip: '203.0.113.4', auth: `Bearer ${login.body.refreshJwt}` },
    )
    t.equal(refresh.status, 200, 'and refresh')
  },
)

t.test('per IP per hour', async (t) => {
  const g = await abuseGateway(t, [], { ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_IP_HOURLY: '2/1h' })
  const s = await repeat(3, () => createAccount(g, '198.51.100.9'))
  t.not(s[1], 429)
  t.equal(s[2], 429, 'the third from one address in the hour is refused')
  t.not((await createAccount(g, '198.51.100.10')).status, 429, 'its neighbour is not')
})

t.test(
  'service-wide: only sign-ups that passed the gate count, so junk cannot use the quota up',
  async (t) => {
    const standIn = await startCaptchaStandIn(t)
    const g = await abuseGateway(t, [], {
      ...standIn.env,
      ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_SERVICE: '2/1h',
    })
    const junk = await repeat(5, (i) => createAccount(g, `192.0.2.${i + 1}`))
    t.same(
      junk,
      [400, 400, 400, 400, 400],
      'five sign-ups without a code: refused by the gate, not counted',
    )
    const withCode = async (i: number) => {
      const handle = `user${i}.example.test`
      const res = await fetch(`${g.url}/gate/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ handle, state: `s${i}`, token: PASSING_TOKEN }).toString(),
        redirect: 'manual',
      })
      const code = new URL(res.headers.get('location')!).searchParams.get('code')
      return createAccount(g, `198.18.${i}.1`, { handle, verificationCode: code })
    }
    const admitted = [await withCode(1), await withCode(2)]
    t.ok(
      admitted.every((r) => r.status !== 429 && r.status !== 400),
      `two admitted (${admitted.map((r) => r.status)}: no PDS here)`,
    )
    const third = await withCode(3)
    t.equal(third.status, 429, 'the third admitted sign-up in the hour is refused service-wide')
    t.equal(third.body.error, 'RateLimitExceeded')
  },
)

t.test('two instances share the sign-up counts through Redis', async (t) => {
  const env = {
    ENTRYWAY_REDIS_URL: 'redis://127.0.0.1:6379',
    ENTRYWAY_REDIS_PREFIX: `signup-test-${process.pid}-${Date.now()}-`,
    ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_SUBNET: '2/1h',
  }
  const a = await abuseGateway(t, [], env)
  const b = await abuseGateway(t, [], env)
  t.not((await createAccount(a, '100.64.7.1')).status, 429)
  t.not((await createAccount(b, '100.64.7.2')).status, 429)
  t.equal(
    (await createAccount(a, '100.64.7.3')).status,
    429,
    'the third in the /24, across the two instances, is refused',
  )
})

t.test(
  'disposable email domains: the built-in list, a replacement file, and updateEmail',
  async (t) => {
    const g = await abuseGateway(t, [alice])
    for (const email of ['x@mailinator.com', 'x@MX.Yopmail.com']) {
      const r = await createAccount(g, '198.51.100.50', { email })
      t.equal(r.status, 400, email)
      t.equal(r.body.error, 'InvalidEmail', `${email}: InvalidEmail`)
      t.match(r.body.message, /Disposable email/)
    }
    const login = await g.post(
      'com.atproto.server.createSession',
      { identifier: alice.handle, password: alice.password },
      { ip: '198.51.100.51' },
    )
    const upd = await g.post(
      'com.atproto.server.updateEmail',
      { email: 'alice@guerrillamail.com' },
      { ip: '198.51.100.51', auth: `Bearer ${login.body.accessJwt}` },
    )
    t.equal(upd.status, 400, 'updateEmail to a disposable domain: 400')
    t.equal(upd.body.error, 'InvalidEmail')

    const dir = mkdtempSync(join(tmpdir(), 'blocklist-'))
    const file = join(dir, 'blocked.txt')
    writeFileSync(file, '# ours\nthrowaway.example\n\n')
    const h = await abuseGateway(t, [], { ENTRYWAY_EMAIL_BLOCKLIST_FILE: file })
    t.equal(
      (await createAccount(h, '198.51.100.60', { email: 'x@throwaway.example' })).body.error,
      'InvalidEmail',
      "the file's domain is refused",
    )
    t.not(
      (await createAccount(h, '198.51.100.61', { email: 'x@mailinator.com' })).body.error,
      'InvalidEmail',
      'the file replaces the built-in list',
    )
  },
)
