import type { SinkMessage } from './mail-sink.js'

const POLL_MS = 100

export interface WaitForMailOptions {
  to: string
  subject?: RegExp
  /** @default 10000 */
  timeoutMs?: number
}

export interface Mailbox {
  list(filter?: { to?: string }): Promise<SinkMessage[]>
  clear(): Promise<void>
  /** The newest message to `to` (and matching `subject`), waiting for it to arrive. */
  waitFor(opts: WaitForMailOptions): Promise<SinkMessage>
}

/** A client for the mail sink's HTTP API. */
export function mailbox(httpUrl: string): Mailbox {
  const base = httpUrl.replace(/\/+$/, '')
  const list = async (filter: { to?: string } = {}) => {
    const q = filter.to ? `?to=${encodeURIComponent(filter.to)}` : ''
    const res = await fetch(`${base}/messages${q}`)
    if (!res.ok) throw new Error(`mail sink answered ${res.status}`)
    return (await res.json()) as SinkMessage[]
  }
  return {
    list,
    async clear() {
      const res = await fetch(`${base}/messages`, { method: 'DELETE' })
      await res.arrayBuffer()
    },
    async waitFor({ to, subject, timeoutMs = 10_000 }) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = (await list({ to })).filter((m) => !subject || subject.test(m.subject)).at(-1)
        if (found) return found
        if (Date.now() > deadline) {
          throw new Error(
            `no mail to ${to}${subject ? ` with subject ${subject}` : ''} within ${timeoutMs} ms`,
          )
        }
        await new Promise((r) => setTimeout(r, POLL_MS))
      }
    },
  }
}
