// @serial-test: asserts elapsed times, which a parallel file's load would skew
import t from 'tap'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { isPortFree, startGateway } from '@entryway/testkit'
import { gatewayEnvWithStub, getOnNewConnection, startStubPds } from './multi-instance-stub-pds.js'

t.setTimeout(120_000)

const DRAIN_MS = 1_500
const SLOW_MS = 5_000

/**
 * SIGTERM on a gateway process: readiness flips to 503 first while requests are still served,
 * then new connections are refused, the request in flight (a slow proxied call) completes, pools
 * close and the process exits 0, leaving its port free.
 */
t.test('SIGTERM drains: readiness first, in-flight finishes, then exit 0', async (t) => {
  const stub = await startStubPds(t, SLOW_MS)
  const { port, env } = await gatewayEnvWithStub(t, stub.url, {
    ENTRYWAY_SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
  })
  const g = await startGateway({ env, port, name: 'gateway (shutdown)' })
  t.teardown(() => g.stop())
  const base = `http://127.0.0.1:${port}`

  t.match(await getOnNewConnection(`${base}/xrpc/_ready`), { status: 200 }, 'ready before')

  const started = Date.now()
  const slow = getOnNewConnection(`${base}/xrpc/app.test.slow`, 20_000)
  await stub.slowStarted
  g.kill('SIGTERM')
  const killedAt = Date.now()

  // readiness flips at once (bounded wait), while other requests are still answered
  let ready: Awaited<ReturnType<typeof getOnNewConnection>> = { error: 'none' }
  while (Date.now() - killedAt < DRAIN_MS) {
    ready = await getOnNewConnection(`${base}/xrpc/_ready`)
    if ('status' in ready && ready.status === 503) break
    await sleep(50)
  }
  t.match(ready, { status: 503 }, 'readiness is 503 during the drain window')
  t.match(JSON.parse((ready as { body: string }).body), { error: 'ServiceUnavailable' })
  const flippedAfter = Date.now() - killedAt
  t.ok(flippedAfter < DRAIN_MS, `readiness flipped ${flippedAfter} ms after SIGTERM`)
  const served = await getOnNewConnection(`${base}/xrpc/com.atproto.server.describeServer`)
  t.match(
    served,
    { status: 200, connection: 'close' },
    'still serving during the drain, closing each connection',
  )
  const proxied = await getOnNewConnection(`${base}/xrpc/app.test.fast`)
  t.match(
    proxied,
    { status: 200, connection: 'close' },
    'proxied answers (written by the proxy, not Fastify) close theirs too',
  )

  // after the drain window: the listener is gone while the slow request is still in flight
  let refused: Awaited<ReturnType<typeof getOnNewConnection>> = { error: 'none' }
  while (Date.now() - killedAt < SLOW_MS) {
    refused = await getOnNewConnection(`${base}/xrpc/_ready`, 1_000)
    if ('error' in refused) break
    await sleep(100)
  }
  t.match(refused, { error: 'ECONNREFUSED' }, 'new connections refused')
  const refusedAfter = Date.now() - started
  t.ok(
    refusedAfter < SLOW_MS,
    `refused at ${refusedAfter} ms, before the slow request (${SLOW_MS} ms) ended`,
  )

  const done = await slow
  t.match(done, { status: 200 }, 'the in-flight proxied request completed')
  t.same(JSON.parse((done as { body: string }).body), { slow: true })

  const exit = await Promise.race([g.process.exited, sleep(15_000).then(() => null)])
  t.same(exit, { code: 0, signal: null }, 'exited 0 on its own')
  t.ok(await isPortFree(port), 'port released')
  const log = readFileSync(g.logFile, 'utf8')
  t.match(log, /closed: no request in flight, pools closed/)
})
