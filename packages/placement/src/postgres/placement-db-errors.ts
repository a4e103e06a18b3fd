/** Postgres (and PGlite) unique violation, optionally on a given constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string } | null
  if (!e || e.code !== '23505') return false
  if (!constraint) return true
  return (
    e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(constraint))
  )
}
