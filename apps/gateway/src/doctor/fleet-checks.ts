import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import proxyAddr from '@fastify/proxy-addr'
import { AuthScope, createAccessToken, type JwtKeyring } from '@entryway/session'
import type { ServerConfig } from '../config/config.js'
import { check, CheckFailure, type CheckResult } from './check.js'
import type { ProbeClient } from './probe-client.js'

/** A clock further off than this breaks token lifetimes (`iat`/`exp`) between the Entryway and a PDS. */
export const MAX_CLOCK_SKEW_MS = 5_000
/** The `sub` of the token probe: a DID no account has, so the probe reads and changes nothing. */
export const PROBE_DID = 'did:plc:entrywaydoctorprobe000000'
const PROBE_TOKEN_TTL_SEC = 60

export interface FleetHost {
  id: string | number
  url: string
  did: string
  internalUrl?: string | null
  status: string
}

/** Every check of one fleet host, a line each. */
export async function hostChecks(
  cfg: ServerConfig,
  keyring: JwtKeyring,
  http: ProbeClient,
  host: FleetHost,
): Promise<CheckResult[]> {
  const base = (host.internalUrl ?? host.url).replace(/\/+$/, '')
  const label = `pds ${host.url}`
  const reachable = await check(
    `${label} reachable`,
    `check the PDS runs and ${base} reaches it from the Entryway (firewall, internalUrl)`,
    async () => {
      const { status, body } = await http.json(`${base}/xrpc/_health`)
      if (status !== 200) throw new CheckFailure(`${base}/xrpc/_health answered ${status}`)
      return `${base} answers (version ${body.version})`
    },
  )
  if (reachable.status !== 'ok') return [reachable]
  return [
    reachable,
    await check(
      `${label} DID`,
      `set the PDS's PDS_SERVICE_DID=${host.did}, or fix the registry (./dev admin hosts)`,
      async () => {
        const { body } = await http.json(`${base}/xrpc/com.atproto.server.describeServer`)
        if (body.did !== host.did)
          throw new CheckFailure(`describeServer says ${body.did}, the registry says ${host.did}`)
        const domains = [...(body.availableUserDomains ?? [])].sort().join(',')
        const ours = [...cfg.service.handleDomains].sort().join(',')
        if (domains !== ours) {
          throw new CheckFailure(
            `its handle domains are ${domains || 'none'}, the Entryway's ${ours}`,
            `set the PDS's PDS_SERVICE_HANDLE_DOMAINS=${cfg.service.handleDomains.join(',')}`,
          )
        }
        return `${host.did}, handle domains ${domains}`
      },
    ),
    await check(
      `${label} accepts the Entryway's tokens`,
      `set the PDS's PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX=${keyring.publicKeyHex} and restart it`,
      async () => {
        // A one-minute access token for a DID no account has, on a read-only call: a PDS that
        // trusts our key gets past the signature and answers "account not found"; one that does
        // not says InvalidToken.
        const token = await createAccessToken(keyring, {
          did: PROBE_DID,
          pdsDid: host.did,
          scope: AuthScope.Access,
          ttlSec: PROBE_TOKEN_TTL_SEC,
        })
        const { status, body } = await http.json(
          `${base}/xrpc/com.atproto.server.checkAccountStatus`,
          { authorization: `Bearer ${token}` },
        )
        if (body.error === 'InvalidToken' || body.error === 'ExpiredToken' || status === 401) {
          throw new CheckFailure(
            `it refused a token the Entryway signed: ${status} ${body.error} ${body.message ?? ''}`.trim(),
          )
        }
        return `a token signed by the Entryway's key passed its check (${status} ${body.error ?? ''})`.trim()
      },
    ),
    await check(
      `${label} authorization server`,
      `set the PDS's PDS_ENTRYWAY_URL=${cfg.service.publicUrl} (and PDS_ENTRYWAY_DID=${cfg.service.did}) and restart it`,
      async () => {
        const { status, body } = await http.json(`${base}/.well-known/oauth-protected-resource`)
        const servers: string[] = body.authorization_servers ?? []
        if (status !== 200 || !servers.includes(cfg.service.publicUrl)) {
          throw new CheckFailure(
            `its /.well-known/oauth-protected-resource names ${servers.join(', ') || 'no authorization server'} (${status}), not ${cfg.service.publicUrl}`,
          )
        }
        return `names ${cfg.service.publicUrl}`
      },
    ),
    await check(
      `${label} clock`,
      'run NTP (chrony or systemd-timesyncd) on both machines',
      async () => {
        const sent = Date.now()
        const res = await http.get(`${base}/xrpc/_health`)
        const received = Date.now()
        const date = Date.parse(String(res.headers.date ?? ''))
        if (Number.isNaN(date)) throw new CheckFailure('no Date header in its answer')
        // the Date header has a resolution of one second: compare with the middle of the exchange
        const skew = date - (sent + received) / 2
        if (Math.abs(skew) > MAX_CLOCK_SKEW_MS + 1_000)
          throw new CheckFailure(`its clock is ${(skew / 1000).toFixed(1)} s off ours`)
        return `within ${Math.max(1, Math.ceil(Math.abs(skew) / 1000))} s of ours`
      },
    ),
    await check(`${label} X-Forwarded-For trusted`, '', async () => {
      const hostname = new URL(base).hostname.replace(/^\[|\]$/g, '')
      const addresses = isIP(hostname)
        ? [hostname]
        : (await lookup(hostname, { all: true })).map((a) => a.address)
      const untrusted = addresses.filter((a) => !trustsForwardedFor(cfg.service.trustProxy, a))
      if (untrusted.length) {
        throw new CheckFailure(
          `the Entryway does not believe X-Forwarded-For from ${untrusted.join(', ')}: calls the PDS forwards (sign-in, sign-up) would be rate-limited as if they all came from the PDS`,
          `add ${untrusted.join(',')} to ENTRYWAY_TRUST_PROXY (now ${String(cfg.service.trustProxy)})`,
        )
      }
      return `${addresses.join(', ')} trusted`
    }),
  ]
}

/** Whether the running config believes `X-Forwarded-For` from `address` (Fastify's rule). */
export function trustsForwardedFor(trustProxy: string | boolean, address: string): boolean {
  if (typeof trustProxy === 'boolean') return trustProxy
  const trust = proxyAddr.compile(
    trustProxy
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  return trust(address, 0)
}
