import t from 'tap'
import { createHmac } from 'node:crypto'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { secp256k1 } from '@noble/curves/secp256k1'
import { XrpcError } from '@entryway/xrpc'
import {
  AuthScope,
  createAccessToken,
  createRefreshToken,
  JwtKeyring,
  verifyAccessToken,
  verifyRefreshToken,
} from '../src/index.js'
import { bearer, buildTestApp, ENTRYWAY_DID } from './helpers.js'

const N = 10_000
const b64 = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const parts = (tok: string) => tok.split('.') as [string, string, string]
const dec = (p: string) =>
  JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>

// Deterministic PRNG (mulberry32) so a failure can be replayed.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Builds N tokens that must all be refused, from valid ones and the real signing key. */
async function mutants(keyring: JwtKeyring, did: string, seed: number): Promise<string[]> {
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const access = await createAccessToken(keyring, {
    did,
    pdsDid: 'did:web:pds1.test',
    scope: AuthScope.Access,
  })
  const { token: refresh } = await createRefreshToken(keyring, { did, entrywayDid: ENTRYWAY_DID })
  const other = (await JwtKeyring.generate()).keyring
  const now = Math.floor(Date.now() / 1000)
  // Correctly signed by OUR key: only the claim checks can refuse these.
  const signed = async (header: object, payload: object) => {
    const h = b64(header)
    const p = b64(payload)
    return `${h}.${p}.${Buffer.from(await keyring.sign(new TextEncoder().encode(`${h}.${p}`))).toString('base64url')}`
  }
  const goodA = dec(parts(access)[1])
  const goodR = dec(parts(refresh)[1])
  const signedBad: Array<() => Promise<string>> = [
    () =>
      signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, lxm: 'com.atproto.server.getSession' }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, cnf: { jkt: 'abc' } }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, exp: now - 60 }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, exp: undefined }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, exp: '9999999999' }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, iat: now + 3600 }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, nbf: now + 3600 }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, scope: 'com.atproto.refresh' }),
    () =>
      signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, scope: 'atproto transition:generic' }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, scope: undefined }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, sub: 'alice' }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, sub: ['did:plc:x'] }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, aud: ['did:web:pds1.test'] }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, aud: 'https://pds1.test' }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, { ...goodA, jti: 42 }),
    () => signed({ alg: 'ES256K', typ: 'at+jwt', crit: ['exp'] }, goodA),
    () => signed({ alg: 'ES256K', typ: 'refresh+jwt' }, goodA),
    () => signed({ alg: 'ES256K', typ: 'JWT' }, goodA),
    () => signed({ alg: 'ES256K', typ: 'dpop+jwt' }, goodA),
    () => signed({ alg: 'ES256K' }, goodA),
    () => signed({ alg: 'ES256', typ: 'at+jwt' }, goodA),
    () => signed({ alg: 'es256k', typ: 'at+jwt' }, goodA),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, [goodA]),
    () => signed({ alg: 'ES256K', typ: 'refresh+jwt' }, { ...goodR, jti: undefined }),
    () =>
      signed({ alg: 'ES256K', typ: 'refresh+jwt' }, { ...goodR, aud: 'did:web:someone-else.test' }),
    () => signed({ alg: 'ES256K', typ: 'refresh+jwt' }, { ...goodR, scope: 'com.atproto.access' }),
    () =>
      signed(
        { alg: 'ES256K', typ: 'refresh+jwt' },
        { ...goodR, lxm: 'com.atproto.server.refreshSession' },
      ),
    () => signed({ alg: 'ES256K', typ: 'at+jwt' }, goodR),
  ]
  const hs256 = (header: object, payload: object, secret: string) => {
    const h = b64(header)
    const p = b64(payload)
    return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`
  }
  const highS = (tok: string) => {
    const [h, p, s] = parts(tok)
    const sig = secp256k1.Signature.fromCompact(Buffer.from(s, 'base64url'))
    const flipped = new secp256k1.Signature(sig.r, secp256k1.CURVE.n - sig.s)
    return `${h}.${p}.${Buffer.from(flipped.toCompactRawBytes()).toString('base64url')}`
  }
  const structural: Array<(tok: string) => string | Promise<string>> = [
    (tok) => {
      const [h, p] = parts(tok)
      return `${b64({ alg: 'none', typ: dec(h).typ })}.${p}.`
    },
    (tok) => {
      const [, p] = parts(tok)
      return `${b64({ alg: 'none', typ: 'at+jwt' })}.${p}.${parts(tok)[2]}`
    },
    (tok) =>
      hs256(
        { alg: 'HS256', typ: dec(parts(tok)[0]).typ },
        dec(parts(tok)[1]),
        keyring.publicKeyHex,
      ),
    (tok) => hs256({ alg: 'HS256', typ: 'at+jwt' }, dec(parts(tok)[1]), ''),
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}.${s.slice(0, -2)}`
    },
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}.${s}AA`
    },
    (tok) => {
      const [h, p] = parts(tok)
      return `${h}.${p}.`
    },
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}.${s}=`
    },
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`
    },
    (tok) => `${tok}.`,
    (tok) => `${tok}.${parts(tok)[2]}`,
    (tok) => parts(tok).slice(0, 2).join('.'),
    (tok) => ` ${tok}`,
    (tok) => tok.replace('.', '..'),
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}.${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`
    },
    (tok) => highS(tok),
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}=.${p}.${s}`
    },
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${Buffer.from(Buffer.from(h, 'base64url')).toString('base64')}.${p}.${s}`
    },
    (tok) => {
      const [h, p, s] = parts(tok)
      return `${h}.${p}\u200b.${s}`
    },
    (tok) => {
      const [, p, s] = parts(tok)
      return `${b64({ alg: 'ES256K', typ: 'at+jwt', kid: 'x' })}.${p}.${s}`
    },
    (tok) => {
      const [h, , s] = parts(tok)
      return `${h}.${b64({ ...dec(parts(tok)[1]), sub: 'did:plc:attacker' })}.${s}`
    },
    (tok) => {
      const [h, , s] = parts(tok)
      return `${h}.${b64({ ...dec(parts(tok)[1]), exp: 99999999999 })}.${s}`
    },
    (tok) => {
      const [h, , s] = parts(tok)
      return `${h}.${b64({ ...dec(parts(tok)[1]), scope: 'com.atproto.access' })}.${s}`
    },
    async (tok) => {
      const [h, p] = parts(tok)
      return `${h}.${p}.${Buffer.from(await other.sign(new TextEncoder().encode(`${h}.${p}`))).toString('base64url')}`
    },
    (tok) => {
      const [, p, s] = parts(tok)
      return `${b64('{"alg":"ES256K","typ":"at+jwt","alg":"none"}')}.${p}.${s}`
    },
    (tok) => {
      const [h, , s] = parts(tok)
      return `${h}.${b64('not json')}.${s}`
    },
    (tok) => {
      const [h, , s] = parts(tok)
      return `${h}.${b64('null')}.${s}`
    },
  ]
  const byteFlip = (tok: string) => {
    const i = Math.floor(rand() * tok.length)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '
    let c = pick(alphabet.split(''))
    if (c === tok[i]) c = c === 'A' ? 'B' : 'A'
    return tok.slice(0, i) + c + tok.slice(i + 1)
  }
  const out: string[] = []
  for (const f of signedBad) out.push(await f())
  while (out.length < N) {
    const base = rand() < 0.5 ? access : refresh
    const r = rand()
    let tok: string
    if (r < 0.45) tok = byteFlip(base)
    else if (r < 0.55) tok = byteFlip(byteFlip(byteFlip(base)))
    else tok = await pick(structural)(base)
    if (tok !== access && tok !== refresh) out.push(tok)
  }
  return out
}

t.test(`${N} mutated tokens: 0 accepted, 0 server errors (verify functions)`, async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const did = 'did:plc:fuzzvictim'
  const access = await createAccessToken(keyring, {
    did,
    pdsDid: 'did:web:pds1.test',
    scope: AuthScope.Access,
  })
  const { token: refresh } = await createRefreshToken(keyring, { did, entrywayDid: ENTRYWAY_DID })
  t.ok(await verifyAccessToken(keyring, access), 'the unmutated access token is accepted')
  t.ok(
    await verifyRefreshToken(keyring, refresh, { audience: [ENTRYWAY_DID] }),
    'the unmutated refresh token is accepted',
  )
  const tokens = await mutants(keyring, did, 1)
  t.ok(tokens.length >= N)
  let accepted = 0
  let serverErrors = 0
  const acceptedSamples: string[] = []
  for (const tok of tokens) {
    for (const verify of [
      () => verifyAccessToken(keyring, tok),
      () => verifyRefreshToken(keyring, tok, { audience: [ENTRYWAY_DID] }),
    ]) {
      try {
        await verify()
        accepted++
        if (acceptedSamples.length < 3) acceptedSamples.push(tok)
      } catch (err) {
        if (!(err instanceof XrpcError) || err.status >= 500) serverErrors++
      }
    }
  }
  t.equal(accepted, 0, `accepted: ${acceptedSamples.join(' | ')}`)
  t.equal(serverErrors, 0)
})

t.test(
  `${N} mutated tokens through HTTP getSession (access and service paths): 0 accepted, 0 5xx`,
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const login = (await env.login(u.handle, u.password)).json()
    t.equal(
      (
        await env.app.inject({
          method: 'GET',
          url: '/xrpc/com.atproto.server.getSession',
          headers: bearer(login.accessJwt),
        })
      ).statusCode,
      200,
    )
    const tokens = await mutants(env.keyring, u.did, 2)
    // Service-token mutants too: a valid PDS token for getSession, mutated, plus non-allowed lxms.
    const sa = await env.serviceJwt(u, 'com.atproto.server.getSession')
    t.equal(
      (
        await env.app.inject({
          method: 'GET',
          url: '/xrpc/com.atproto.server.getSession',
          headers: bearer(sa),
        })
      ).statusCode,
      200,
    )
    const rand = rng(3)
    for (let i = 0; i < 500; i++) {
      const j = Math.floor(rand() * sa.length)
      tokens.push(sa.slice(0, j) + (sa[j] === 'A' ? 'B' : 'A') + sa.slice(j + 1))
    }
    for (const lxm of [
      'com.atproto.repo.createRecord',
      'app.bsky.feed.getTimeline',
      'com.atproto.server.getServiceAuth',
      '*',
      'com.atproto.server.getSession.',
      null,
    ]) {
      tokens.push(await createServiceJwt({ iss: u.did, aud: ENTRYWAY_DID, lxm, keypair: u.key }))
    }
    tokens.push(
      await createServiceJwt({
        iss: `${u.did}#atproto`,
        aud: ENTRYWAY_DID,
        lxm: 'com.atproto.server.getSession',
        keypair: u.key,
      }),
    )
    tokens.push(
      await createServiceJwt({
        iss: u.did,
        aud: ENTRYWAY_DID,
        lxm: 'com.atproto.server.getSession',
        keypair: await Secp256k1Keypair.create(),
      }),
    )
    const statuses = new Map<number, number>()
    let accepted = 0
    for (const tok of tokens) {
      const res = await env.app.inject({
        method: 'GET',
        url: '/xrpc/com.atproto.server.getSession',
        headers: { authorization: `Bearer ${tok}` },
      })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode < 400) accepted++
    }
    t.equal(accepted, 0)
    t.notOk(
      [...statuses.keys()].some((s) => s >= 500),
      `statuses: ${JSON.stringify([...statuses])}`,
    )
    t.ok(tokens.length >= N)
  },
)
