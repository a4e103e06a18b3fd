import t from 'tap'
import { PasswordGate, hashPassword, verifyPassword, hashAppPassword } from '../src/index.js'

t.test('never runs more than `concurrency` at once; overflow is a 503', async (t) => {
  const gate = new PasswordGate(2, 3)
  let running = 0
  let peak = 0
  const releases: Array<() => void> = []
  const task = () =>
    gate.run(async () => {
      running++
      peak = Math.max(peak, running)
      await new Promise<void>((r) => releases.push(r))
      running--
    })
  const all = [task(), task(), task(), task(), task()]
  await t.rejects(task(), { name: 'ServiceUnavailableError', status: 503 }, 'queue full')
  t.equal(gate.queued, 3)
  while (releases.length || gate.queued) {
    const r = releases.shift()
    if (r) r()
    await new Promise((res) => setImmediate(res))
  }
  await Promise.all(all)
  t.equal(peak, 2)
})

t.test('PDS scrypt formats', async (t) => {
  const h = await hashPassword('pw')
  t.match(h, /^[0-9a-f]{32}:[0-9a-f]{128}$/)
  t.ok(await verifyPassword('pw', h))
  t.ok(await verifyPassword('pw', `scrypt:${h}`), 'a scrypt: label is tolerated')
  t.notOk(await verifyPassword('PW', h))
  t.notOk(await verifyPassword('pw', 'garbage'))
  const a1 = await hashAppPassword('did:plc:a', 'x')
  t.equal(
    await hashAppPassword('did:plc:a', 'x'),
    a1,
    'app-password hashes are deterministic per DID',
  )
  t.not(await hashAppPassword('did:plc:b', 'x'), a1)
})
