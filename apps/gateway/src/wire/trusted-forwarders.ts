import { BlockList, isIP } from 'node:net'
import { lookup } from 'node:dns/promises'
import type { FastifyBaseLogger } from 'fastify'
import { EntrywayConfigError } from '@entryway/xrpc'

/** How often the fleet's addresses are looked up again (hosts added, DNS changes). */
export const FLEET_ADDRESS_REFRESH_MS = 60_000

// proxy-addr's names, as ENTRYWAY_TRUST_PROXY accepted them through Fastify before
const NAMED: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
}

/**
 * Who may tell the Entryway a client's address in `x-forwarded-for`: the configured load balancer
 * (ENTRYWAY_TRUST_PROXY) and the registered fleet hosts, which forward createSession,
 * refreshSession, deleteAccount, resetPassword… with the user's address. Nobody else: a client
 * that sends the header itself is counted under its own address. Fastify's `trustProxy` calls
 * `trusts` for each hop, from the socket's address inwards.
 */
export class TrustedForwarders {
  private readonly all: boolean
  private readonly configured = new BlockList()
  private fleet: ReadonlySet<string> = new Set()
  private timer: NodeJS.Timeout | null = null

  /** @param trustProxy `true` (everyone), `false` (nobody), or addresses, subnets and names, comma-separated */
  constructor(trustProxy: string | boolean) {
    this.all = trustProxy === true
    if (typeof trustProxy !== 'string') return
    for (const raw of trustProxy
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const named = NAMED[raw]
      if (named) {
        for (const [net, prefix, type] of named) this.configured.addSubnet(net, prefix, type)
        continue
      }
      const [addr = '', bits] = raw.split('/')
      const type = isIP(addr) === 4 ? 'ipv4' : isIP(addr) === 6 ? 'ipv6' : null
      const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits)
      if (
        !type ||
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > (type === 'ipv4' ? 32 : 128)
      ) {
        throw new EntrywayConfigError(
          `ENTRYWAY_TRUST_PROXY: "${raw}" is not an address, a subnet or one of loopback, linklocal, uniquelocal`,
        )
      }
      this.configured.addSubnet(addr, prefix, type)
    }
  }

  /** Fastify's `trustProxy` function. */
  readonly trusts = (address: string): boolean => {
    if (this.all) return true
    const a = plain(address)
    if (this.fleet.has(a)) return true
    const type = isIP(a)
    return type !== 0 && this.configured.check(a, type === 4 ? 'ipv4' : 'ipv6')
  }

  /** Replaces the fleet's addresses with those of `hostUrls` (names looked up; failures logged). */
  async refresh(hostUrls: readonly string[], log: Pick<FastifyBaseLogger, 'warn'>): Promise<void> {
    const next = new Set<string>()
    await Promise.all(
      hostUrls.map(async (u) => {
        let host: string
        try {
          host = new URL(u).hostname.replace(/^\[|\]$/g, '')
        } catch {
          return
        }
        if (isIP(host)) return void next.add(plain(host))
        try {
          for (const r of await lookup(host, { all: true })) next.add(plain(r.address))
        } catch (err) {
          log.warn(
            { err, host },
            'fleet host address lookup failed: its forwarded client addresses are not trusted until it resolves',
          )
        }
      }),
    )
    this.fleet = next
  }

  /** Looks the fleet up now and every `intervalMs` until `stop`. */
  async start(
    loadHostUrls: () => Promise<string[]>,
    log: Pick<FastifyBaseLogger, 'warn'>,
    intervalMs = FLEET_ADDRESS_REFRESH_MS,
  ): Promise<void> {
    const run = async () => {
      try {
        await this.refresh(await loadHostUrls(), log)
      } catch (err) {
        log.warn({ err }, 'fleet host addresses not refreshed')
      }
    }
    await run()
    this.timer = setInterval(run, intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** The fleet addresses trusted now (tests, logs). */
  get fleetAddresses(): string[] {
    return [...this.fleet]
  }
}

/** `::ffff:10.0.0.1` → `10.0.0.1`: IPv4 clients of a dual-stack socket look like this. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}
