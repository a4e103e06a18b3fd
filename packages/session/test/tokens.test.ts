import t from 'tap'
import * as jose from 'jose'
import {
  JwtKeyring,
  createAccessToken,
  createRefreshToken,
  verifyAccessToken,
  verifyRefreshToken,
  AuthScope,
} from '../src/index.js'

t.test('access tokens are ES256K at+jwt that jose 5 (the PDS verifier) accepts', async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const token = await createAccessToken(keyring, {
    did: 'did:plc:abc',
    pdsDid: 'did:web:pds1.test',
    scope: AuthScope.Access,
  })
  const header = jose.decodeProtectedHeader(token)
  t.same({ alg: header.alg, typ: header.typ }, { alg: 'ES256K', typ: 'at+jwt' })
  const pub = Buffer.from(keyring.publicKeyHex, 'hex')
  t.equal(pub.length, 33)
  // Build the KeyObject the way the PDS does (auth-verifier.ts createPublicKeyObject): a k256 JWK
  const { secp256k1 } = await import('@noble/curves/secp256k1')
  const unc = secp256k1.ProjectivePoint.fromHex(pub).toRawBytes(false)
  const jwk = {
    kty: 'EC',
    crv: 'secp256k1',
    x: Buffer.from(unc.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(unc.subarray(33)).toString('base64url'),
  }
  const key = await jose.importJWK(jwk, 'ES256K')
  const { payload } = await jose.jwtVerify(token, key, {
    audience: 'did:web:pds1.test',
    typ: 'at+jwt',
  })
  t.equal(payload.sub, 'did:plc:abc')
  t.equal(payload.scope, 'com.atproto.access')
  t.notOk(payload.lxm)
  const claims = await verifyAccessToken(keyring, token)
  t.equal(claims.aud, 'did:web:pds1.test')
})

t.test('refresh tokens carry typ refresh+jwt, the entryway aud and a jti', async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const { token, claims } = await createRefreshToken(keyring, {
    did: 'did:plc:abc',
    entrywayDid: 'did:web:entryway.test',
  })
  t.equal(jose.decodeProtectedHeader(token).typ, 'refresh+jwt')
  const back = await verifyRefreshToken(keyring, token, { audience: ['did:web:entryway.test'] })
  t.equal(back.jti, claims.jti)
  await t.rejects(
    verifyAccessToken(keyring, token),
    { name: 'InvalidRequestError', error: 'InvalidToken' },
    'a refresh token is not an access token',
  )
  const access = await createAccessToken(keyring, {
    did: 'did:plc:abc',
    pdsDid: 'did:web:p',
    scope: AuthScope.Access,
  })
  await t.rejects(
    verifyRefreshToken(keyring, access),
    { name: 'InvalidRequestError', error: 'InvalidToken' },
    'an access token is not a refresh token',
  )
})

t.test('expired, foreign-key and tampered tokens are refused', async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const { keyring: other } = await JwtKeyring.generate()
  const old = await createAccessToken(keyring, {
    did: 'did:plc:a',
    pdsDid: 'did:web:p',
    scope: AuthScope.Access,
    now: Date.now() - 3 * 3600_000,
  })
  await t.rejects(verifyAccessToken(keyring, old), {
    name: 'InvalidRequestError',
    error: 'ExpiredToken',
  })
  const foreign = await createAccessToken(other, {
    did: 'did:plc:a',
    pdsDid: 'did:web:p',
    scope: AuthScope.Access,
  })
  await t.rejects(verifyAccessToken(keyring, foreign), {
    name: 'InvalidRequestError',
    error: 'InvalidToken',
  })
  const good = await createAccessToken(keyring, {
    did: 'did:plc:a',
    pdsDid: 'did:web:p',
    scope: AuthScope.Access,
  })
  const [h, , s] = good.split('.')
  const forged = Buffer.from(
    JSON.stringify({
      scope: 'com.atproto.access',
      sub: 'did:plc:evil',
      aud: 'did:web:p',
      exp: 9999999999,
    }),
  ).toString('base64url')
  await t.rejects(verifyAccessToken(keyring, `${h}.${forged}.${s}`), {
    name: 'InvalidRequestError',
    error: 'InvalidToken',
  })
  const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${forged}.`
  await t.rejects(verifyAccessToken(keyring, none), {
    name: 'InvalidRequestError',
    error: 'InvalidToken',
  })
})

t.test('a rotated-out key still verifies its tokens; a new key signs', async (t) => {
  const { keyring: oldRing } = await JwtKeyring.generate()
  const { privateKeyHex } = await JwtKeyring.generate()
  const rotated = await JwtKeyring.fromHex(privateKeyHex, [
    { publicKeyHex: oldRing.publicKeyHex, rotatedAt: Date.now() },
  ])
  const oldToken = await createAccessToken(oldRing, {
    did: 'did:plc:a',
    pdsDid: 'did:web:p',
    scope: AuthScope.Access,
  })
  t.equal((await verifyAccessToken(rotated, oldToken)).sub, 'did:plc:a')
  t.notOk(JSON.stringify(rotated).includes(privateKeyHex), 'the private key never serialises')
})
