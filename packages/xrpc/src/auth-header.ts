/** `Authorization: Basic <b64(user:pass)>` → `{ username, password }`, or null when absent/malformed. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | null {
  if (!header) return null
  const [scheme, value, ...rest] = header.trim().split(' ')
  if (rest.length || !value || scheme?.toLowerCase() !== 'basic') return null
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return null
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

/** `Authorization: Bearer <token>` → the token, or null. Scheme is case-insensitive, as in the PDS. */
export function parseBearer(header: string | undefined): string | null {
  if (!header) return null
  const parts = header.trim().split(' ')
  if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer' || !parts[1]) return null
  return parts[1]
}
