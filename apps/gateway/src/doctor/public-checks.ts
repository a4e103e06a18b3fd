import { connect as tlsConnect, type PeerCertificate } from 'node:tls'
import WebSocket from 'ws'
import type { ServerConfig } from '../config/config.js'
import { check, CheckFailure, type CheckResult } from './check.js'
import { PROBE_TIMEOUT_MS, type ProbeClient } from './probe-client.js'

/**
 * Paths the reverse proxy must pass to the gateway, each with a probe URL. The probe's answer
 * through the public URL must be the gateway's own answer (status and body).
 */
export const PUBLIC_PATHS: readonly { prefix: string; probe: string }[] = [
  { prefix: '/xrpc', probe: '/xrpc/com.atproto.server.describeServer' },
  {
    prefix: '/.well-known/oauth-protected-resource',
    probe: '/.well-known/oauth-protected-resource',
  },
  {
    prefix: '/.well-known/oauth-authorization-server',
    probe: '/.well-known/oauth-authorization-server',
  },
  { prefix: '/oauth', probe: '/oauth/jwks' },
  { prefix: '/@atproto', probe: '/@atproto/oauth-provider/~assets/entryway-doctor-probe' },
]

/** A certificate with less than this share of its lifetime left is not being renewed (ACME renews at a third). */
export const TLS_MIN_LIFETIME_LEFT = 0.25

const PROXY_FIX =
  'pass it to the gateway in the reverse proxy (docker/Caddyfile, docker/nginx.conf; DEPLOYING.md)'

/** Through the public URL: every path reaches the gateway, WebSockets, a handle's domain, TLS. */
export async function publicChecks(
  cfg: ServerConfig,
  http: ProbeClient,
  gatewayUrl: string,
  handle: { handle: string; did: string } | null,
): Promise<CheckResult[]> {
  const publicUrl = new URL(cfg.service.publicUrl)
  const results: CheckResult[] = []
  for (const { prefix, probe } of PUBLIC_PATHS) {
    results.push(
      await check(`public ${prefix}`, `${prefix}: ${PROXY_FIX}`, async () => {
        const direct = await http.get(`${gatewayUrl}${probe}`)
        const viaProxy = await http.get(`${cfg.service.publicUrl}${probe}`)
        if (viaProxy.status !== direct.status || viaProxy.body !== direct.body) {
          throw new CheckFailure(
            `${cfg.service.publicUrl}${probe} answered ${viaProxy.status} (${viaProxy.body.length} bytes), the gateway itself ${direct.status} (${direct.body.length} bytes)`,
          )
        }
        return `${probe} reaches the gateway (${viaProxy.status})`
      }),
    )
  }
  results.push(
    await check(
      'public WebSocket /xrpc',
      'the proxy must pass Upgrade and Connection headers (Caddy does; nginx needs proxy_http_version 1.1 and proxy_set_header Upgrade/Connection)',
      async () => {
        const wsUrl = `${publicUrl.protocol === 'https:' ? 'wss' : 'ws'}://${publicUrl.host}/xrpc/com.atproto.sync.subscribeRepos`
        const status = await upgradeStatus(wsUrl, http)
        if (status !== 101)
          throw new CheckFailure(`${wsUrl} answered ${status}, not 101 Switching Protocols`)
        return `${wsUrl} upgrades (101)`
      },
    ),
  )
  results.push(
    await check(
      'public handle domain',
      `a wildcard DNS record *${cfg.service.handleDomains[0]} pointing at the proxy, and on-demand TLS asking ${cfg.service.publicUrl}/tls/ask (DEPLOYING.md)`,
      async () => {
        if (!handle)
          return { skip: 'no account yet: pass --handle <handle> to check a handle domain' }
        const url = `${publicUrl.protocol}//${handle.handle}${publicUrl.port ? `:${publicUrl.port}` : ''}/.well-known/atproto-did`
        const res = await http.get(url)
        if (res.status !== 200 || res.body.trim() !== handle.did)
          throw new CheckFailure(
            `${url} answered ${res.status} ${JSON.stringify(res.body.slice(0, 80))}, not ${handle.did}`,
          )
        return `${url} → ${handle.did}`
      },
    ),
  )
  if (publicUrl.protocol === 'https:') {
    const port = Number(publicUrl.port || 443)
    for (const host of [publicUrl.hostname, ...(handle ? [handle.handle] : [])]) {
      results.push(
        await check(
          `TLS ${host}`,
          'check the proxy obtains certificates (its log), that port 80/443 are open for ACME, and the DNS records',
          () => tlsState(host, port, http),
        ),
      )
    }
  }
  return results
}

/** The status of a WebSocket handshake (101 when the upgrade went through). */
function upgradeStatus(wsUrl: string, http: ProbeClient): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, {
      handshakeTimeout: PROBE_TIMEOUT_MS,
      lookup: http.lookup,
      ...(http.ca ? { ca: http.ca } : {}),
    })
    ws.once('upgrade', () => {
      resolve(101)
      ws.terminate()
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('error', (err) => reject(err))
  })
}

/** TLS handshake with verification; the certificate must have a quarter of its life left at least. */
function tlsState(host: string, port: number, http: ProbeClient): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      servername: host,
      lookup: http.lookup,
      rejectUnauthorized: false,
      ...(http.ca ? { ca: http.ca } : {}),
      timeout: PROBE_TIMEOUT_MS,
    })
    socket.once('timeout', () =>
      socket.destroy(new Error(`TLS handshake with ${host}:${port} timed out`)),
    )
    socket.once('error', reject)
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate()
      const authorized = socket.authorized
      const authError = socket.authorizationError
      socket.end()
      if (!authorized)
        return reject(
          new CheckFailure(`the certificate for ${host} is not valid: ${String(authError)}`),
        )
      const from = Date.parse(cert.valid_from)
      const to = Date.parse(cert.valid_to)
      const left = to - Date.now()
      const hours = (ms: number) =>
        ms / 3_600_000 > 48
          ? `${Math.floor(ms / 86_400_000)} days`
          : `${(ms / 3_600_000).toFixed(1)} h`
      if (left < (to - from) * TLS_MIN_LIFETIME_LEFT)
        return reject(
          new CheckFailure(
            `the certificate for ${host} expires in ${hours(left)} (${cert.valid_to}): it is not being renewed`,
          ),
        )
      resolve(
        `valid, issued by ${cert.issuer?.CN ?? cert.issuer?.O ?? '?'}, expires in ${hours(left)}`,
      )
    })
  })
}
