import t from 'tap'
import { verifySignature } from '@atproto/crypto'
import { secp256k1 } from '@noble/curves/secp256k1'
import { JwtKeyring } from '../src/index.js'

t.test('native signatures are low-S and verify with @atproto/crypto (strict)', async (t) => {
  const { keyring } = await JwtKeyring.generate()
  const half = secp256k1.CURVE.n >> 1n
  let bad = 0
  for (let i = 0; i < 200; i++) {
    const data = new TextEncoder().encode(`message ${i}`)
    const sig = await keyring.sign(data)
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`)
    if (sig.length !== 64 || s > half) bad++
    if (!(await verifySignature(keyring.did, data, sig, { jwtAlg: 'ES256K' }))) bad++
    if (!(await keyring.verify(data, sig))) bad++
  }
  t.equal(bad, 0)
})

t.test('native verify: rotated keys, foreign keys, high-S twins', async (t) => {
  const { keyring: old } = await JwtKeyring.generate()
  const { privateKeyHex } = await JwtKeyring.generate()
  const ring = await JwtKeyring.fromHex(privateKeyHex, [
    { publicKeyHex: old.publicKeyHex, rotatedAt: Date.now() },
  ])
  const data = new TextEncoder().encode('x')
  t.ok(await ring.verify(data, await old.sign(data)), 'a rotated-out key still verifies')
  const { keyring: stranger } = await JwtKeyring.generate()
  t.notOk(await ring.verify(data, await stranger.sign(data)))
  const sig = await ring.sign(data)
  const parsed = secp256k1.Signature.fromCompact(sig)
  const twin = new secp256k1.Signature(parsed.r, secp256k1.CURVE.n - parsed.s).toCompactRawBytes()
  t.notOk(await ring.verify(data, twin), 'high-S twin refused')
  t.notOk(await ring.verify(data, sig.subarray(0, 63)))
  t.notOk(await ring.verify(new TextEncoder().encode('y'), sig))
})
