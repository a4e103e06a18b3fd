import { BlockList, isIP } from 'node:net'
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'

/** Loopback, private, link-local, CGNAT, documentation, multicast and reserved ranges (v4 and v6). */
const NON_PUBLIC = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6')
}

/** True for a globally routable unicast address. IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip)
  if (family === 0) return false
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
    if (mapped) return isPublicAddress(mapped[1]!)
    return !NON_PUBLIC.check(ip, 'ipv6')
  }
  return !NON_PUBLIC.check(ip, 'ipv4')
}

/** A URL host that is an IP literal (brackets removed), or null for a name. */
export function ipLiteralOf(hostname: string): string | null {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  return isIP(h) ? h : null
}

export class NonPublicAddressError extends Error {
  override name = 'NonPublicAddressError'
  readonly code = 'ERR_NON_PUBLIC_ADDRESS'
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `net.connect` lookup that refuses names resolving to non-public addresses, so an allow-listed
 * name cannot be re-pointed (DNS rebinding) at the Entryway's own network.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  cb: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return cb(err, [])
    const list = addresses
    const bad = list.find((a) => !isPublicAddress(a.address))
    if (bad || list.length === 0)
      return cb(new NonPublicAddressError(`${hostname} resolves to a non-public address`), [])
    if (options.all) return cb(null, list)
    cb(null, list[0]!.address, list[0]!.family)
  })
}
