/** Timestamps are stored as ISO-8601 text. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString()
}
