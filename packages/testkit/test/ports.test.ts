import { createServer } from 'node:net'
import t from 'tap'
import { getFreePort, isPortFree } from '../src/index.js'

t.test('hands out distinct free ports, even when asked all at once', async (t) => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => getFreePort()))
  t.equal(new Set(ports).size, ports.length)
  for (const p of ports) t.ok(await isPortFree(p), `port ${p} is free`)
})

t.test('uses the preferred port when free and falls back when it is taken', async (t) => {
  const busy = createServer()
  await new Promise<void>((r) => busy.listen(0, r))
  t.teardown(() => new Promise<void>((r) => busy.close(() => r())))
  const taken = (busy.address() as { port: number }).port
  t.notOk(await isPortFree(taken))
  const other = await getFreePort({ preferred: taken })
  t.not(other, taken)
  t.ok(await isPortFree(other))
})

t.test('a port just handed out is not handed out again by a preferred range', async (t) => {
  const first = await getFreePort()
  const second = await getFreePort({ preferred: first })
  t.not(second, first, 'the reservation holds while the first caller starts its child')
})
