import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network a client address belongs to, as sign-up throttles count it: the /24 of an IPv4
 * address, the /48 of an IPv6 one (a site's usual allocation, so one host cannot hop addresses).
 * An IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function clientSubnet(addr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr)
  const a = mapped ? mapped[1]! : addr
  if (isIPv4(a)) return `${a.split('.').slice(0, 3).join('.')}.0/24`
  if (isIPv6(a)) return `${expandV6(a).slice(0, 3).join(':')}::/48`
  return a
}

/** Eight lower-case groups of an IPv6 address (`::` expanded, zone dropped). */
function expandV6(addr: string): string[] {
  const [head = '', tail] = addr.split('%')[0]!.toLowerCase().split('::') as [
    string,
    string | undefined,
  ]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.map((g) => g.replace(/^0+(?=.)/, ''))
}
