import t from 'tap'
import { main } from '../src/bin/admin.js'
import { moveCommand } from '../src/bin/admin-moves.js'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// The move commands of the operator CLI over HTTP, without PDSes: an empty host evacuates at once,
// refusals come back as errors, jobs are listed.

const env = readEnv({
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.test',
  ENTRYWAY_HANDLE_DOMAINS: '.test',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
  ENTRYWAY_PLC_URL: 'http://127.0.0.1:9',
})

t.test('accounts move, hosts evacuate, moves', async (t) => {
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env), {
    logger: false,
    moves: { worker: false },
  })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address() as { port: number }
  const target = ['--url', `http://127.0.0.1:${addr.port}`, '--password', 'admin-pass']
  const run = (...args: string[]) => main([...args, ...target])

  await run('hosts', 'add', 'http://localhost:1', 'did:web:one', '--status', 'enabled')
  await run('hosts', 'add', 'http://localhost:2', 'did:web:two', '--status', 'enabled')
  const progress: string[] = []
  const call = async (
    nsid: string,
    o: { query?: Record<string, string | undefined>; body?: unknown } = {},
  ) => {
    const u = new URL(`/xrpc/${nsid}`, `http://127.0.0.1:${addr.port}`)
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) u.searchParams.set(k, v)
    const res = await fetch(u, {
      method: o.body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('admin:admin-pass').toString('base64')}`,
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    })
    const json = (await res.json()) as any
    if (!res.ok) throw new Error(`${nsid}: ${res.status} ${json.error}`)
    return json
  }
  const out = await moveCommand(
    ['hosts', 'evacuate', 'http://localhost:1'],
    new Map([['concurrency', '2']]),
    call,
    { progress: (l) => progress.push(l) },
  )
  t.match(out, /0 moved, 0 failed/)
  t.match(out, /the host is empty: \.\/dev admin hosts retire 1/)
  t.match(progress[0], /evacuating http:\/\/localhost:1: 0 accounts, 2 at a time/)
  t.match(
    await run('hosts', 'list'),
    /http:\/\/localhost:1\s+did:web:one\s+draining/,
    'the evacuated host was drained first',
  )
  t.match(await run('hosts', 'retire', '1'), /retired/, 'and can retire')
  await t.rejects(run('accounts', 'move', 'nobody.test', '--to', '2'), /AccountNotFound/)
  await t.rejects(run('hosts', 'evacuate', 'http://localhost:9'), /no such host/)
  await t.rejects(run('hosts', 'evacuate', '2', '--concurrency', '0'), /--concurrency/)
  t.match(await run('moves'), /id\s+did\s+sourceHostId/)
  t.match(await main(['help']), /hosts evacuate <id\|url\|did>/)
})
