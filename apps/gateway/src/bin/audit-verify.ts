#!/usr/bin/env node
// `./dev node --import tsx apps/gateway/src/bin/audit-verify.ts [checkpoint files…]`: verifies the
// admin audit chain in the gateway's database with the gateway's own environment (the audit key
// from ENTRYWAY_ADMIN_AUDIT_KEY_HEX/_FILE or derived from the JWT key) against the newest signed
// checkpoint of the files named (default: ENTRYWAY_ADMIN_AUDIT_CHECKPOINT_FILE or the data dir's).
// Exit code 0: intact; 1: edited, re-hashed, removed rows or truncated. An embedded (PGlite)
// database can only be opened while the gateway is stopped.
import { openDatabase } from '@entryway/db'
import { readEnv } from '../config/env.js'
import { envToCfg } from '../config/config.js'
import { envToSecrets } from '../config/secrets.js'
import { verifyAdminAudit } from '../audit-verify.js'

const env = readEnv()
const cfg = envToCfg({ ...env, adminRbacFile: env.adminRbacFile ?? '-' })
const files = process.argv.slice(2)
if (files.length === 0 && cfg.adminRbac?.checkpointFile) files.push(cfg.adminRbac.checkpointFile)
const database = await openDatabase({ url: cfg.db.url, dataDir: cfg.db.dataDir })
try {
  const { verdict, checkpoint, forgedCheckpoints } = await verifyAdminAudit(
    database.db,
    envToSecrets(env).adminAuditKey,
    files,
  )
  for (const f of forgedCheckpoints)
    process.stdout.write(
      `checkpoint file ${f}: newest line not signed with the audit key (ignored)\n`,
    )
  process.stdout.write(
    checkpoint
      ? `checked against the checkpoint of ${checkpoint.at} (row #${checkpoint.id})\n`
      : 'no checkpoint: a truncated tail cannot be seen\n',
  )
  if (verdict.ok)
    process.stdout.write(`ok: ${verdict.rows} rows, head #${verdict.lastId} ${verdict.lastHash}\n`)
  else
    process.stdout.write(
      `BROKEN at row #${verdict.brokenAtId} (after ${verdict.rows} good rows): ${verdict.reason}\n`,
    )
  process.exitCode = verdict.ok && forgedCheckpoints.length === 0 ? 0 : 1
} finally {
  await database.close()
}
