import { seedHostWithAccounts, testStoreTargets } from '@entryway/db'
import { MemoryAdminSessionStore, MemoryAuditLog, MemoryFleetDirectory } from '../src/index.js'
import {
  KyselyAdminSessionStore,
  KyselyAuditLog,
  KyselyFleetDirectory,
} from '../src/postgres/index.js'
import { adminStoreConformance, type AdminStoreSet } from './store-conformance.js'

adminStoreConformance({
  name: 'memory',
  async open() {
    const log = new MemoryAuditLog()
    const fleet = new MemoryFleetDirectory([])
    return {
      auditLogs: [log, log],
      sessions: new MemoryAdminSessionStore(),
      fleet,
      editAuditRow: async (id, patch) =>
        void Object.assign(
          log.rows.find((r) => r.id === id)!,
          patch,
        ),
      deleteAuditRow: async (id) =>
        void log.rows.splice(
          log.rows.findIndex((r) => r.id === id),
          1,
        ),
      async addHost(h, accounts) {
        const id = fleet.hostList.length + 1
        fleet.hostList.push({
          id,
          url: h.url,
          did: h.did,
          baseUrl: h.internalUrl ?? h.url,
          status: 'enabled',
        })
        const createdAt = new Date().toISOString()
        for (const a of accounts)
          fleet.accounts.push({ status: 'active', ...a, email: null, hostId: id, createdAt })
        return id
      },
      close: async () => {},
    }
  },
})

for (const target of testStoreTargets<Omit<AdminStoreSet, 'close'>>(
  process.env.TEST_DATABASE_URL,
  (d) => ({
    auditLogs: [new KyselyAuditLog(d.db), new KyselyAuditLog(d.db)],
    sessions: new KyselyAdminSessionStore(d.db),
    fleet: new KyselyFleetDirectory(d.db),
    editAuditRow: async (id, patch) =>
      void (await d.db.updateTable('admin_audit').set(patch).where('id', '=', id).execute()),
    deleteAuditRow: async (id) =>
      void (await d.db.deleteFrom('admin_audit').where('id', '=', id).execute()),
    addHost: (h, accounts) => seedHostWithAccounts(d.db, h, accounts),
  }),
)) {
  adminStoreConformance(target)
}
