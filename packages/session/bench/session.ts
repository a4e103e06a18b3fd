// Session benchmark: token mint/verify cost, and login latency under concurrent load against the
// reference PDS's own createSession, in the same run, reported as ratios.
//   ./dev bench --only=session [--quick]   (bench/session.ts calls runSessionBench)
//   ./dev node --import tsx packages/session/bench/session.ts [--requests 200] [--concurrency 16] [--tokens 2000]
// The PDS runs standalone (no entryway) so its createSession does its own scrypt login; note that
// the PDS pads every login to at least 350 ms (account-manager.ts login) to blur timing, while the
// Entryway equalises work instead (a dummy derivation), so latency ratios include that floor.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import * as jose from 'jose'
import { secp256k1 } from '@noble/curves/secp256k1'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  AuthScope,
  JwtKeyring,
  MemoryAccountStore,
  MemoryAppPasswordStore,
  MemoryEmailTokenStore,
  MemoryMailer,
  MemoryRefreshTokenStore,
  createAccessToken,
  hashPassword,
  entrywaySession,
  verifyAccessToken,
} from '../src/index.js'
import { generateK256Key, randomSecret, startPlc, startPds } from '../../testkit/src/index.js'

export interface SessionBenchOptions {
  /** Logins per target. */
  requests: number
  /** Logins in flight. */
  concurrency: number
  /** Tokens minted and verified. */
  tokens: number
  log?: (msg: string) => void
}

/** One row of the results: what, ours, the reference's, ours / theirs (lower is better except throughput). */
export interface SessionBenchRow {
  name: string
  ours: number
  theirs?: number
  unit: string
}

let REQUESTS = 200
let CONCURRENCY = 16
let TOKENS = 2000

const fmt = (n: number, d = 1) => n.toFixed(d)
const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

async function timeOps(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await fn(i)
  return ((performance.now() - t0) * 1000) / n // µs per op
}

/** `requests` POSTs with `concurrency` in flight; latencies in ms and throughput. */
async function load(
  url: string,
  body: (i: number) => unknown,
): Promise<{ p50: number; p95: number; p99: number; rps: number; errors: number }> {
  const lat: number[] = []
  let next = 0
  let errors = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const s = performance.now()
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body(i)),
          signal: AbortSignal.timeout(60_000),
        })
        await res.arrayBuffer()
        if (res.status !== 200) errors++
        lat.push(performance.now() - s)
      }
    }),
  )
  const secs = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  return { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), rps: REQUESTS / secs, errors }
}

async function tokenCost() {
  const { keyring } = await JwtKeyring.generate()
  const opts = { did: 'did:plc:bench', pdsDid: 'did:web:pds.bench', scope: AuthScope.Access }
  const tokens: string[] = []
  const mint = await timeOps(TOKENS, async () =>
    tokens.push(await createAccessToken(keyring, opts)),
  )
  const verify = await timeOps(TOKENS, (i) => verifyAccessToken(keyring, tokens[i]!))
  // What the PDS does with the same token: jose 5 jwtVerify with a secp256k1 KeyObject.
  const unc = secp256k1.ProjectivePoint.fromHex(keyring.publicKeyHex).toRawBytes(false)
  const key = await jose.importJWK(
    {
      kty: 'EC',
      crv: 'secp256k1',
      x: Buffer.from(unc.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(unc.subarray(33)).toString('base64url'),
    },
    'ES256K',
  )
  const joseVerify = await timeOps(TOKENS, (i) =>
    jose.jwtVerify(tokens[i]!, key, { audience: opts.pdsDid, typ: 'at+jwt' }),
  )
  return { mint, verify, joseVerify }
}

/** Runs the bench once; the rows carry both sides so the caller reports ratios. */
export async function runSessionBench(o: SessionBenchOptions): Promise<SessionBenchRow[]> {
  REQUESTS = o.requests
  CONCURRENCY = o.concurrency
  TOKENS = o.tokens
  const log = o.log ?? (() => {})
  log(`token cost (${TOKENS} tokens)…`)
  const tc = await tokenCost()

  // The Entryway's login: the session plugin on in-memory stores, rate limits off.
  const { keyring } = await JwtKeyring.generate()
  const accounts = new MemoryAccountStore()
  const password = 'bench-password'
  const passwordScrypt = await hashPassword(password)
  for (let i = 0; i < 10; i++) {
    accounts.add({
      did: `did:plc:bench${i}`,
      handle: `bench${i}.test`,
      email: `bench${i}@mail.test`,
      emailConfirmedAt: null,
      emailAuthFactor: false,
      passwordScrypt,
      status: 'active',
      deactivatedAt: null,
      host: { id: 1, url: 'http://localhost:1', did: 'did:web:pds.bench' },
    })
  }
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywaySession, {
    accounts,
    appPasswords: new MemoryAppPasswordStore(),
    emailTokens: new MemoryEmailTokenStore(),
    refreshTokens: new MemoryRefreshTokenStore(),
    keyring,
    entrywayDid: 'did:web:entryway.bench',
    didResolver: { resolve: async () => null },
    mailer: new MemoryMailer(),
    serviceName: 'Bench',
    pdsAdminPassword: 'x',
    plc: { signUpdate: async () => ({}), tombstone: async () => {} },
    includeDidDoc: false,
    rateLimits: false,
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })

  // The reference PDS, standalone (its own accounts, passwords and createSession).
  const plc = await startPlc({})
  const rot = await generateK256Key()
  const pds = await startPds({
    plcUrl: plc.url,
    entryway: {
      url: 'http://localhost:1',
      did: 'did:web:unused',
      jwtPublicKeyHex: rot.publicKeyHex,
      plcRotationKeyDid: rot.did,
    },
    adminPassword: randomSecret(),
    handleDomains: ['.test'],
    logs: false,
    env: {
      PDS_ENTRYWAY_URL: '',
      PDS_ENTRYWAY_DID: '',
      PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX: '',
      PDS_ENTRYWAY_PLC_ROTATION_KEY: '',
    },
  })
  try {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${pds.url}/xrpc/com.atproto.server.createAccount`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: `bench${i}.test`, email: `bench${i}@mail.test`, password }),
      })
      if (res.status !== 200)
        throw new Error(`pds createAccount: ${res.status} ${await res.text()}`)
    }
    const body = (i: number) => ({ identifier: `bench${i % 10}.test`, password })
    // warm-up, then measure each target alone
    log(`logins: ${REQUESTS} per target, ${CONCURRENCY} in flight…`)
    await load(`${address}/xrpc/com.atproto.server.createSession`, body)
    const ours = await load(`${address}/xrpc/com.atproto.server.createSession`, body)
    await load(`${pds.url}/xrpc/com.atproto.server.createSession`, body)
    const theirs = await load(`${pds.url}/xrpc/com.atproto.server.createSession`, body)
    return [
      { name: 'access token mint (ES256K)', ours: tc.mint, unit: 'µs' },
      {
        name: 'access token verify vs jose (the PDS verifier)',
        ours: tc.verify,
        theirs: tc.joseVerify,
        unit: 'µs',
      },
      {
        name: `login p50 (${CONCURRENCY} concurrent) vs PDS createSession`,
        ours: ours.p50,
        theirs: theirs.p50,
        unit: 'ms',
      },
      { name: 'login p95 vs PDS', ours: ours.p95, theirs: theirs.p95, unit: 'ms' },
      { name: 'login p99 vs PDS', ours: ours.p99, theirs: theirs.p99, unit: 'ms' },
      { name: 'login throughput vs PDS', ours: ours.rps, theirs: theirs.rps, unit: '/s' },
      {
        name: 'login errors (PDS errors as baseline)',
        ours: ours.errors,
        theirs: theirs.errors,
        unit: '',
      },
    ]
  } finally {
    await app.close()
    await pds.stop()
    await plc.stop()
  }
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      requests: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '16' },
      tokens: { type: 'string', default: '2000' },
    },
  })
  const r = await runSessionBench({
    requests: Number(args.requests),
    concurrency: Number(args.concurrency),
    tokens: Number(args.tokens),
  })
  const at = (name: string) => r.find((x) => x.name.startsWith(name))!
  const tc = {
    mint: at('access token mint').ours,
    verify: at('access token verify').ours,
    joseVerify: at('access token verify').theirs!,
  }
  const ours = {
    p50: at('login p50').ours,
    p95: at('login p95').ours,
    p99: at('login p99').ours,
    rps: at('login throughput').ours,
    errors: at('login errors').ours,
  }
  const theirs = {
    p50: at('login p50').theirs!,
    p95: at('login p95').theirs!,
    p99: at('login p99').theirs!,
    rps: at('login throughput').theirs!,
    errors: at('login errors').theirs!,
  }
  {
    const rows = [
      ['access token mint (ES256K)', `${fmt(tc.mint)} µs`, ''],
      [
        'access token verify (ours, key ring)',
        `${fmt(tc.verify)} µs`,
        `${fmt(tc.verify / tc.joseVerify, 2)}× jose (PDS verifier, ${fmt(tc.joseVerify)} µs)`,
      ],
      [
        `login p50 (${CONCURRENCY} concurrent)`,
        `${fmt(ours.p50)} ms`,
        `${fmt(ours.p50 / theirs.p50, 2)}× PDS (${fmt(theirs.p50)} ms)`,
      ],
      [
        'login p95',
        `${fmt(ours.p95)} ms`,
        `${fmt(ours.p95 / theirs.p95, 2)}× PDS (${fmt(theirs.p95)} ms)`,
      ],
      [
        'login p99',
        `${fmt(ours.p99)} ms`,
        `${fmt(ours.p99 / theirs.p99, 2)}× PDS (${fmt(theirs.p99)} ms)`,
      ],
      [
        'login throughput',
        `${fmt(ours.rps)} /s`,
        `${fmt(ours.rps / theirs.rps, 2)}× PDS (${fmt(theirs.rps)} /s)`,
      ],
      ['login errors', `${ours.errors}`, `PDS ${theirs.errors}`],
    ]
    const w = [
      Math.max(...rows.map((r) => r[0]!.length)),
      Math.max(...rows.map((r) => r[1]!.length)),
    ]
    process.stdout.write(`session bench: ${REQUESTS} logins per target, ${TOKENS} tokens\n`)
    for (const r of rows)
      process.stdout.write(`${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]}\n`)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
