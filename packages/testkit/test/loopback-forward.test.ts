import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { getFreePort, waitForHealth, PDS_RUNTIME_SOURCE_DIR } from '../src/index.js'

t.test(
  'LOOPBACK_FORWARD makes a loopback port reach another host:port (the compose PDS images)',
  async (t) => {
    const upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`))
    upstream.listen(0, '127.0.0.1')
    await once(upstream, 'listening')
    t.teardown(() => upstream.close())
    const target = (upstream.address() as AddressInfo).port
    const port = await getFreePort()
    const child = spawn(
      process.execPath,
      [
        '--import',
        join(PDS_RUNTIME_SOURCE_DIR, 'loopback-forward.mjs'),
        '-e',
        'setInterval(() => {}, 1000)',
      ],
      { env: { LOOPBACK_FORWARD: `${port}=127.0.0.1:${target}` }, stdio: 'inherit' },
    )
    t.teardown(() => child.kill('SIGKILL'))
    await waitForHealth(`http://localhost:${port}/xrpc/_health`, { timeoutMs: 10_000 })
    const res = await fetch(`http://localhost:${port}/hello`)
    t.equal(await res.text(), 'upstream saw /hello')
  },
)
