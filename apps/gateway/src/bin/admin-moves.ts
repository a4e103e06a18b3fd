// `./dev admin accounts move …` and `./dev admin hosts evacuate …`: account moves through the
// gateway's com.entryway.admin.* procedures (docs/account-moves.md). Hooked into admin.ts.
import { table } from './cli-table.js'

/** One admin XRPC call (admin.ts's `call`, bound to its target). */
export type AdminCall = (
  nsid: string,
  o?: { query?: Record<string, string | undefined>; body?: unknown },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an XRPC body, as adminCall answers it
) => Promise<any>

export interface MoveCommandIo {
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void
  /** @default 500 */
  pollMs?: number
}

export const MOVE_USAGE = `  accounts move <did|handle> [--to <id|url|did>]   move one account to another host (default: least loaded)
  hosts evacuate <id|url|did> [--to <host>] [--concurrency N]   drain, then move every account, N at a time (default 4)
  moves [--state S] [--evacuation E] [--did D]     move jobs`

/** The move commands; null when `words` is none of them. */
export async function moveCommand(
  words: string[],
  flags: Map<string, string>,
  call: AdminCall,
  io: MoveCommandIo,
): Promise<string | null> {
  const [cmd, sub, ...rest] = words
  const pollMs = io.pollMs ?? 500
  if (cmd === 'accounts' && sub === 'move') {
    const account = rest[0]
    if (!account || rest.length > 1)
      throw new Error('usage: accounts move <did|handle> [--to <id|url|did>]')
    const { move } = await call('com.entryway.admin.moveAccount', {
      body: { account, ...(flags.has('to') ? { to: flags.get('to') } : {}) },
    })
    io.progress(
      `move ${move.id}: ${move.did} from host ${move.sourceHostId} to host ${move.targetHostId}`,
    )
    const started = Date.now()
    const end = await waitFor(call, move.id, pollMs, (m) =>
      io.progress(`  ${m.state} ${m.step}${m.error ? ` (${m.error})` : ''}`),
    )
    return `move ${end.id}: ${end.state} in ${((Date.now() - started) / 1000).toFixed(1)} s${end.error ? ` (${end.error})` : ''}`
  }
  if (cmd === 'hosts' && sub === 'evacuate') {
    const host = rest[0]
    if (!host || rest.length > 1)
      throw new Error('usage: hosts evacuate <id|url|did> [--to <host>] [--concurrency N]')
    const concurrency = Number(flags.get('concurrency') ?? 4)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new Error('--concurrency must be an integer from 1 to 64')
    return evacuate(call, host, flags.get('to'), concurrency, pollMs, io)
  }
  if (cmd === 'moves') {
    const { moves } = await call('com.entryway.admin.getMoves', {
      query: {
        state: flags.get('state'),
        evacuation: flags.get('evacuation'),
        did: flags.get('did'),
        limit: flags.get('limit'),
      },
    })
    return table(moves, [
      'id',
      'did',
      'sourceHostId',
      'targetHostId',
      'state',
      'step',
      'attempts',
      'error',
      'updatedAt',
    ])
  }
  return null
}

/** Drains the host, then moves its accounts `concurrency` at a time, with a progress bar and an ETA. */
async function evacuate(
  call: AdminCall,
  host: string,
  to: string | undefined,
  concurrency: number,
  pollMs: number,
  io: MoveCommandIo,
): Promise<string> {
  const { hosts } = await call('com.entryway.admin.listHosts')
  const h = (hosts as Array<{ id: number; url: string; did: string; status: string }>).find(
    (x) => String(x.id) === host || x.url === host.replace(/\/+$/, '') || x.did === host,
  )
  if (!h) throw new Error(`no such host: ${host}`)
  if (h.status === 'enabled')
    await call('com.entryway.admin.updateHost', { body: { host: h.id, status: 'draining' } })
  const dids: string[] = []
  let cursor: string | undefined
  do {
    const page = await call('com.entryway.admin.listAccounts', {
      query: { host: String(h.id), limit: '1000', cursor },
    })
    dids.push(
      ...(page.accounts as Array<{ did: string; status: string }>)
        .filter((a) => a.status !== 'deleted')
        .map((a) => a.did),
    )
    cursor = page.cursor
  } while (cursor)
  io.progress(`evacuating ${h.url}: ${dids.length} accounts, ${concurrency} at a time`)
  const started = Date.now()
  let next = 0
  let moved = 0
  const failed: string[] = []
  const report = () => {
    const finished = moved + failed.length
    const elapsed = (Date.now() - started) / 1000
    const eta = finished ? (elapsed / finished) * (dids.length - finished) : NaN
    const width = 30
    const filled = dids.length ? Math.round((finished / dids.length) * width) : width
    io.progress(
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${dids.length} moved ${moved} failed ${failed.length} elapsed ${elapsed.toFixed(0)} s ETA ${Number.isNaN(eta) ? '?' : `${eta.toFixed(0)} s`}`,
    )
  }
  const lane = async () => {
    while (next < dids.length) {
      const did = dids[next++]!
      try {
        const { move } = await call('com.entryway.admin.moveAccount', {
          body: { account: did, ...(to ? { to } : {}) },
        })
        const end = await waitFor(call, move.id, pollMs)
        if (end.state === 'done') moved++
        else failed.push(`${did}: ${end.state} ${end.error ?? ''}`.trim())
      } catch (err) {
        failed.push(`${did}: ${(err as Error).message}`)
      }
      report()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(dids.length, 1)) }, lane))
  const left = (
    await call('com.entryway.admin.listAccounts', { query: { host: String(h.id), limit: '1' } })
  ).accounts.length
  const lines = [
    `evacuated ${h.url}: ${moved} moved, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ...failed.map((f) => `  failed ${f}`),
  ]
  lines.push(
    left === 0
      ? `the host is empty: ./dev admin hosts retire ${h.id}`
      : `the host still holds accounts: run the evacuation again`,
  )
  return lines.join('\n')
}

async function waitFor(
  call: AdminCall,
  id: number,
  pollMs: number,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a move view, as adminCall answers it
  onChange?: (m: any) => void,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same move view
): Promise<any> {
  let last = ''
  for (;;) {
    const { move } = await call('com.entryway.admin.getMove', { query: { id: String(id) } })
    const key = `${move.state} ${move.step} ${move.error ?? ''}`
    if (key !== last) onChange?.(move)
    last = key
    if (!move.live) return move
    await new Promise((r) => setTimeout(r, pollMs))
  }
}
