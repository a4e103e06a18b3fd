import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { generateEntrywayKeys, getFreePort, randomSecret } from '@entryway/testkit'

/**
 * A stand-in PDS for gateway-process tests that need no real one: answers `_health` and
 * `describeServer`, and `app.test.slow` after `slowMs` (reporting when it got the request).
 */
export async function startStubPds(t: Test, slowMs: number) {
  let onSlow: () => void = () => {}
  const slowStarted = new Promise<void>((resolve) => (onSlow = resolve))
  const server: Server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.url?.startsWith('/xrpc/_health')) return json(200, { version: 'stub' })
    if (req.url?.startsWith('/xrpc/com.atproto.server.describeServer'))
      return json(200, { did: 'did:web:stub.test', availableUserDomains: ['.test'] })
    if (req.url?.startsWith('/xrpc/app.test.fast')) return json(200, { fast: true })
    if (req.url?.startsWith('/xrpc/app.test.slow')) {
      onSlow()
      setTimeout(() => json(200, { slow: true }), slowMs)
      return
    }
    json(404, { error: 'MethodNotImplemented' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, slowStarted }
}

/** Env for a gateway process on embedded PGlite with `pdsUrl` as its only (default) host. */
export async function gatewayEnvWithStub(
  t: Test,
  pdsUrl: string,
  extra: Record<string, string> = {},
) {
  const port = await getFreePort()
  const dir = mkdtempSync(join(tmpdir(), 'entryway-gw-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const keys = await generateEntrywayKeys()
  return {
    port,
    env: {
      ENTRYWAY_PORT: String(port),
      ENTRYWAY_PUBLIC_URL: `http://localhost:${port}`,
      ENTRYWAY_DID: `did:web:localhost%3A${port}`,
      ENTRYWAY_DATA_DIR: join(dir, 'data'),
      ENTRYWAY_PLC_URL: 'http://127.0.0.1:9',
      ENTRYWAY_JWT_SIGNING_KEY_HEX: keys.jwt.privateKeyHex,
      ENTRYWAY_PLC_ROTATION_KEY_HEX: keys.plcRotation.privateKeyHex,
      ENTRYWAY_PDS_ADMIN_PASSWORD: randomSecret(),
      ENTRYWAY_FLEET_HOSTS: JSON.stringify([{ url: pdsUrl, did: 'did:web:stub.test' }]),
      ENTRYWAY_PROXY_DEFAULT_HOST: pdsUrl,
      ...extra,
    } as Record<string, string>,
    dir,
  }
}

/** One GET on a new connection (no keep-alive pool): `{status, body}` or the socket error's code. */
export function getOnNewConnection(
  url: string,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string; connection?: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () =>
        resolve({ status: res.statusCode!, body, connection: res.headers.connection }),
      )
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end()
  })
}
