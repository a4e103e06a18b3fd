import type { ComAtprotoAdminDefs } from '@atproto/api'
import type { FastifyBaseLogger } from 'fastify'
import type { AdminInviteCode } from './account-invites.js'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'

/** `com.atproto.admin.defs#accountView`. */
export interface AdminAccountView {
  did: string
  handle: string
  email?: string
  relatedRecords?: { [k: string]: unknown }[]
  indexedAt: string
  invitedBy?: AdminInviteCode
  invites?: AdminInviteCode[]
  invitesDisabled?: boolean
  emailConfirmedAt?: string
  inviteNote?: string
  deactivatedAt?: string
  threatSignatures?: ComAtprotoAdminDefs.ThreatSignature[]
}

const GET_INFOS = 'com.atproto.admin.getAccountInfos'

/**
 * Admin views of accounts, in the order given: the Entryway's own data (handle, email and its
 * confirmation, invites, status) over what each account's PDS says (one `getAccountInfos` per
 * host). A PDS that cannot answer costs only its part: the view is then the Entryway's alone.
 */
export async function adminAccountViews(
  deps: SessionDeps,
  accounts: readonly SessionAccount[],
  log: FastifyBaseLogger,
): Promise<AdminAccountView[]> {
  const byHost = new Map<number, SessionAccount[]>()
  for (const a of accounts) byHost.set(a.host.id, [...(byHost.get(a.host.id) ?? []), a])
  const fromPds = new Map<string, Partial<AdminAccountView>>()
  await Promise.all(
    [...byHost.values()].map(async (group) => {
      const host = group[0]!.host
      try {
        const out = (await deps.pdsAdmin.forward(host, GET_INFOS, {
          method: 'GET',
          params: { dids: group.map((a) => a.did) },
        })) as { infos?: unknown }
        for (const info of Array.isArray(out?.infos)
          ? (out.infos as Array<Partial<AdminAccountView>>)
          : []) {
          if (typeof info?.did === 'string') fromPds.set(info.did, info)
        }
      } catch (err) {
        log.warn({ err, host: host.url }, 'admin account view without the PDS part')
      }
    }),
  )
  return Promise.all(
    accounts.map(async (a) => {
      const pds = fromPds.get(a.did) ?? {}
      const invites = deps.accountInvites ? await deps.accountInvites.forAccount(a.did) : null
      const deactivatedAt = a.deactivatedAt ?? pds.deactivatedAt
      const view: AdminAccountView = {
        ...(pds.relatedRecords ? { relatedRecords: pds.relatedRecords } : {}),
        ...(pds.threatSignatures ? { threatSignatures: pds.threatSignatures } : {}),
        did: a.did,
        handle: a.handle,
        indexedAt: a.createdAt ?? pds.indexedAt ?? new Date(0).toISOString(),
        ...(a.email ? { email: a.email } : {}),
        ...(a.emailConfirmedAt ? { emailConfirmedAt: a.emailConfirmedAt } : {}),
        ...(deactivatedAt ? { deactivatedAt } : {}),
        ...(invites ? { invites: invites.invites, invitesDisabled: invites.invitesDisabled } : {}),
      }
      return view
    }),
  )
}
