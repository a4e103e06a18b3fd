import t from 'tap'
import { auditCsvLine, MemoryAuditLog, verifyAuditChain, type AuditInput } from '../src/index.js'

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

async function filled(n: number) {
  const log = new MemoryAuditLog()
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(entry(i + 1))))
  return log
}

t.test('concurrent appends form one linear chain that verifies', async (t) => {
  const log = await filled(20)
  t.equal(log.rows.length, 20)
  t.same(await verifyAuditChain(log.rows), { ok: true, rows: 20, lastHash: log.rows.at(-1)!.hash })
})

t.test('an edited row is detected', async (t) => {
  const log = await filled(5)
  log.rows[2] = { ...log.rows[2]!, allowed: !log.rows[2]!.allowed }
  t.match(await verifyAuditChain(log.rows), { ok: false, brokenAtId: 3, reason: /edited/ })
})

t.test('an edited row whose hash was recomputed breaks the next link', async (t) => {
  const log = await filled(5)
  const { auditHash } = await import('../src/index.js')
  const r = { ...log.rows[1]!, detail: 'rewritten' }
  r.hash = auditHash(r, r.prevHash)
  log.rows[1] = r
  t.match(await verifyAuditChain(log.rows), { ok: false, brokenAtId: 3, reason: /removed or inserted/ })
})

t.test('a deleted row is detected, including the first', async (t) => {
  const log = await filled(5)
  t.match(await verifyAuditChain(log.rows.filter((r) => r.id !== 3)), { ok: false, brokenAtId: 4 })
  t.match(await verifyAuditChain(log.rows.slice(1)), { ok: false, brokenAtId: 2, reason: /first row/ })
})

t.test('filters and paging, newest first', async (t) => {
  const log = await filled(10)
  const p1 = await log.list({ allowed: true }, { limit: 3 })
  t.same(p1.rows.map((r) => r.id), [10, 9, 7])
  const p2 = await log.list({ allowed: true }, { limit: 3, beforeId: p1.cursor })
  t.same(p2.rows.map((r) => r.id), [6, 5, 3])
  t.same((await log.list({ nsid: 'com.atproto.admin.update*' }, { limit: 10 })).rows.map((r) => r.id), [9, 6, 3])
  t.same((await log.list({ from: entry(4).at, to: entry(5).at }, { limit: 10 })).rows.map((r) => r.id), [5, 4])
})

t.test('CSV cells are quoted and formula-safe', async (t) => {
  const log = new MemoryAuditLog()
  const r = await log.append(entry(1, { detail: '=HYPERLINK("x"),\nnext' }))
  t.match(auditCsvLine(r), `"'=HYPERLINK(""x""),\nnext"`)
})
