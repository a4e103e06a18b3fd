import t from 'tap'
import { main } from '../src/bin/admin.js'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

const env = readEnv({
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.test',
  ENTRYWAY_HANDLE_DOMAINS: '.test',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
  ENTRYWAY_PLC_URL: 'http://127.0.0.1:9',
})

t.test('operator CLI over HTTP: hosts, transitions, accounts, invites', async (t) => {
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address() as { port: number }
  const target = ['--url', `http://127.0.0.1:${addr.port}`, '--password', 'admin-pass']
  const run = (...args: string[]) => main([...args, ...target])

  const added = await run(
    'hosts',
    'add',
    'http://localhost:1',
    'did:web:one',
    '--weight',
    '2',
    '--cap',
    '100',
  )
  t.match(added, /http:\/\/localhost:1\s+did:web:one\s+registered/)
  t.match(await run('hosts', 'enable', 'http://localhost:1'), /enabled/)
  t.match(await run('hosts', 'drain', '1'), /draining/)
  await t.rejects(run('hosts', 'enable', 'did:web:nope'), /HostNotFound/)
  t.match(
    await run('hosts', 'retire', 'did:web:one'),
    /retired/,
    'an empty draining host can retire',
  )
  await t.rejects(run('hosts', 'enable', '1'), /InvalidHostTransition/, 'retired is final')
  await t.rejects(run('hosts', 'add', 'http://localhost:1', 'did:web:other'), /HostAlreadyExists/)
  t.match(await run('hosts', 'list'), /id\s+url\s+did\s+status/)
  t.match(await run('accounts'), /did\s+handle/)
  const codes = (await run('invites', 'create', '--uses', '3', '--count', '2')).split('\n')
  t.equal(codes.length, 2)
  t.match(codes[0], /^localhost-[a-z2-7]{5}-[a-z2-7]{5}$/)
  await t.rejects(
    main(['hosts', 'list', '--url', `http://127.0.0.1:${addr.port}`, '--password', 'wrong']),
    /401/,
  )
})
