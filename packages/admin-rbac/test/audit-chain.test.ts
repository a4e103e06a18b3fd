import t from 'tap'
import { createHash } from 'node:crypto'
import {
  auditCsvLine,
  auditHash,
  canonicalAuditContent,
  MemoryAuditLog,
  signAuditCheckpoint,
  verifyAuditChain,
  type AuditInput,
  type AuditRow,
} from '../src/index.js'

const KEY = new Uint8Array(32).fill(1)

const entry = (i: number, over: Partial<AuditInput> = {}): AuditInput => ({
  at: new Date(Date.UTC(2026, 8, 1, 12, 0, i)).toISOString(),
  actorDid: i % 2 ? 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' : 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb',
  nsid: i % 3 ? 'com.atproto.admin.getAccountInfo' : 'com.atproto.admin.updateSubjectStatus',
  target: `did:plc:target${i}`,
  hostId: 1,
  allowed: i % 4 !== 0,
  resultStatus: 200,
  detail: null,
  ...over,
})

const append = (log: MemoryAuditLog, e: AuditInput) =>
  log.append(e, (prev) => auditHash(e, prev, KEY))

async function filled(n: number) {
  const log = new MemoryAuditLog()
  await Promise.all(Array.from({ length: n }, (_, i) => append(log, entry(i + 1))))
  return log
}

/** What someone with write access to the table but not the key can do: re-chain with plain SHA-256. */
function rechainWithoutKey(rows: AuditRow[], from: number): void {
  for (let i = from; i < rows.length; i++) {
    const r = { ...rows[i]!, prevHash: i === 0 ? rows[0]!.prevHash : rows[i - 1]!.hash }
    r.hash = createHash('sha256').update(canonicalAuditContent(r, r.prevHash)).digest('hex')
    rows[i] = r
  }
}

t.test('concurrent appends form one linear chain that verifies', async (t) => {
  const log = await filled(20)
  t.equal(log.rows.length, 20)
  t.same(await verifyAuditChain(log.rows, KEY), {
    ok: true,
    rows: 20,
    lastId: 20,
    lastHash: log.rows.at(-1)!.hash,
  })
})

t.test('an edited row is detected', async (t) => {
  const log = await filled(5)
  log.rows[2] = { ...log.rows[2]!, allowed: !log.rows[2]!.allowed }
  t.match(await verifyAuditChain(log.rows, KEY), { ok: false, brokenAtId: 3, reason: /edited/ })
})

t.test(
  'an edited row re-chained without the key (plain SHA-256, every later row too) is detected',
  async (t) => {
    const log = await filled(5)
    log.rows[1] = { ...log.rows[1]!, detail: 'rewritten' }
    rechainWithoutKey(log.rows, 1)
    t.match(await verifyAuditChain(log.rows, KEY), {
      ok: false,
      brokenAtId: 2,
      reason: /keyed hash/,
    })
  },
)

t.test('a chain re-keyed with another key does not verify', async (t) => {
  const log = await filled(3)
  t.match(await verifyAuditChain(log.rows, new Uint8Array(32).fill(2)), {
    ok: false,
    brokenAtId: 1,
  })
})

t.test('a deleted row is detected, including the first', async (t) => {
  const log = await filled(5)
  t.match(
    await verifyAuditChain(
      log.rows.filter((r) => r.id !== 3),
      KEY,
    ),
    { ok: false, brokenAtId: 4 },
  )
  t.match(await verifyAuditChain(log.rows.slice(1), KEY), {
    ok: false,
    brokenAtId: 2,
    reason: /first row/,
  })
})

t.test('truncation: dropping the newest rows shows against the signed checkpoint', async (t) => {
  const log = await filled(6)
  const cp = signAuditCheckpoint(KEY, log.rows.at(-1)!, '2026-09-01T12:01:00.000Z')
  const cut = log.rows.slice(0, 4)
  t.match(
    await verifyAuditChain(cut, KEY),
    { ok: true, rows: 4 },
    'without a checkpoint a shorter chain looks whole',
  )
  t.match(await verifyAuditChain(cut, KEY, cp), {
    ok: false,
    brokenAtId: 5,
    reason: /truncated: .* up to #6; the log now ends at #4/,
  })
  t.match(await verifyAuditChain(log.rows, KEY, cp), { ok: true, rows: 6 })
  t.match(
    await verifyAuditChain(log.rows, KEY, { ...cp, id: 3 }),
    { ok: false, reason: /not signed/ },
    'a checkpoint edited to match a cut chain is refused',
  )
})

t.test('filters and paging, newest first', async (t) => {
  const log = await filled(10)
  const p1 = await log.list({ allowed: true }, { limit: 3 })
  t.same(
    p1.rows.map((r) => r.id),
    [10, 9, 7],
  )
  const p2 = await log.list({ allowed: true }, { limit: 3, beforeId: p1.cursor })
  t.same(
    p2.rows.map((r) => r.id),
    [6, 5, 3],
  )
  t.same(
    (await log.list({ nsid: 'com.atproto.admin.update*' }, { limit: 10 })).rows.map((r) => r.id),
    [9, 6, 3],
  )
  t.same(
    (await log.list({ from: entry(4).at, to: entry(5).at }, { limit: 10 })).rows.map((r) => r.id),
    [5, 4],
  )
})

t.test('CSV cells are quoted and formula-safe', async (t) => {
  const log = new MemoryAuditLog()
  const r = await append(log, entry(1, { detail: '=HYPERLINK("x"),\nnext' }))
  t.match(auditCsvLine(r), `"'=HYPERLINK(""x""),\nnext"`)
})
