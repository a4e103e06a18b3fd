import t from 'tap'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testDatabaseTargets } from '@entryway/db'
import { canonicalAuditContent } from '@entryway/admin-rbac'
import { startInProcessGateway } from './in-process-gateway.js'
import { verifyAdminAudit } from '../src/audit-verify.js'
import { envToSecrets, readEnv } from '../src/index.js'

// Issue #13 finding 8, on a real gateway and its database: forged admin cookies cannot flood the
// audit log, and the chain (HMAC under a key the database does not hold, signed checkpoints in
// a file) shows an edited row, a row re-hashed without the key, and a truncated tail.

const AUDIT_KEY_HEX = 'ab'.repeat(32)
const TAMPERED = 'entryway_admin=forged-session-id.forged-signature'

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(`${target!.name}: the admin audit log under attack`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-audit-'))
  const rbacFile = join(dir, 'rbac.yaml')
  writeFileSync(
    rbacFile,
    "roles:\n  admin:\n    endpoints: ['com.atproto.admin.*']\nmembers:\n  did:plc:aaaaaaaaaaaaaaaaaaaaaaaa: [admin]\n",
  )
  const checkpointFile = join(dir, 'checkpoints.jsonl')
  const env = {
    ENTRYWAY_ADMIN_RBAC_FILE: rbacFile,
    ENTRYWAY_ADMIN_AUDIT_KEY_HEX: AUDIT_KEY_HEX,
    ENTRYWAY_ADMIN_AUDIT_CHECKPOINT_FILE: checkpointFile,
  }
  const database = await target!.open()
  t.teardown(() => database.close())
  const { gw, url } = await startInProcessGateway(t, database, env)
  const db = database.db
  const rows = () => db.selectFrom('admin_audit').selectAll().orderBy('id').execute()

  await t.test(
    '200 forged cookies and 10 failed sign-in callbacks (its per-address limit): refused, and written once per window',
    async (t) => {
      const statuses = new Set<number>()
      for (let i = 0; i < 200; i++)
        statuses.add((await fetch(`${url}/admin`, { headers: { cookie: TAMPERED } })).status)
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}/admin/oauth/callback?error=access_denied&state=x${i}`)
        await res.body?.cancel()
        statuses.add(res.status)
      }
      t.same([...statuses], [401], 'every forged cookie and callback is refused')
      t.same(
        (await rows()).map((r) => [r.actorDid, r.nsid, r.detail]),
        [
          ['anonymous', 'portal.session', 'tampered session cookie'],
          ['anonymous', 'portal.login', 'sign-in did not complete'],
        ],
        'one row per kind, not 210',
      )
    },
  )

  await t.test(
    'the end of the window writes one summary row per kind with the count',
    async (t) => {
      await gw.app.close()
      const all = await rows()
      t.equal(all.length, 4)
      t.match(all[2], {
        actorDid: 'anonymous',
        nsid: 'portal.session',
        allowed: false,
        detail: /tampered session cookie: 199 more in the 60 s after .* \(aggregated\)/,
      })
      t.match(all[3], {
        actorDid: 'anonymous',
        nsid: 'portal.login',
        detail: /: 9 more in the 60 s/,
      })
    },
  )

  const key = envToSecrets(
    readEnv({
      ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
      ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
      ENTRYWAY_PDS_ADMIN_PASSWORD: 'x',
      ...env,
    }),
  ).adminAuditKey
  const original = await rows()

  await t.test('the chain verifies against the key and the newest checkpoint', async (t) => {
    const report = await verifyAdminAudit(db, key, [checkpointFile])
    t.match(report.verdict, { ok: true, rows: 4, lastId: original[3]!.id })
    t.match(report.checkpoint, { id: original[3]!.id, hash: original[3]!.hash })
  })

  await t.test('an edited row is found', async (t) => {
    await db
      .updateTable('admin_audit')
      .set({ detail: 'nothing happened' })
      .where('id', '=', original[1]!.id)
      .execute()
    t.match((await verifyAdminAudit(db, key, [checkpointFile])).verdict, {
      ok: false,
      brokenAtId: original[1]!.id,
      reason: /edited/,
    })
  })

  await t.test(
    'an edited row re-chained without the key (SHA-256 over every later row) is found',
    async (t) => {
      let prev = original[0]!.hash
      for (const r of original.slice(1)) {
        const edited = { ...r, detail: r.id === original[1]!.id ? 'nothing happened' : r.detail }
        const hash = createHash('sha256').update(canonicalAuditContent(edited, prev)).digest('hex')
        await db
          .updateTable('admin_audit')
          .set({ detail: edited.detail, prevHash: prev, hash })
          .where('id', '=', r.id)
          .execute()
        prev = hash
      }
      t.match((await verifyAdminAudit(db, key, [checkpointFile])).verdict, {
        ok: false,
        brokenAtId: original[1]!.id,
        reason: /keyed hash/,
      })
    },
  )

  await t.test('a truncated tail is found against the checkpoint file', async (t) => {
    for (const r of original)
      await db
        .updateTable('admin_audit')
        .set({ detail: r.detail, prevHash: r.prevHash, hash: r.hash })
        .where('id', '=', r.id)
        .execute()
    t.match((await verifyAdminAudit(db, key, [checkpointFile])).verdict, { ok: true }, 'restored')
    await db.deleteFrom('admin_audit').where('id', '>=', original[2]!.id).execute()
    t.match(
      (await verifyAdminAudit(db, key, [])).verdict,
      { ok: true, rows: 2 },
      'without the checkpoint the shorter chain looks whole',
    )
    t.match((await verifyAdminAudit(db, key, [checkpointFile])).verdict, {
      ok: false,
      reason: new RegExp(
        `truncated: .* up to #${original[3]!.id}; the log now ends at #${original[1]!.id}`,
      ),
    })
  })
})
