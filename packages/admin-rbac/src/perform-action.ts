import type { FastifyBaseLogger } from 'fastify'
import { ActionInputError, redactAnswer, type ActionInput, type AdminAction } from './actions.js'
import type { AuditTrail } from './audit-trail.js'
import { serveSessionAction, type AccountSessions } from './account-sessions.js'
import type { FleetDirectory, FleetHost } from './fleet-directory.js'
import type { Permissions } from './rbac-policy.js'
import type { EntrywayXrpc, PdsAdminXrpc, XrpcAnswer } from './upstream.js'

export interface ActionDeps {
  fleet: FleetDirectory
  pds: PdsAdminXrpc
  entryway: EntrywayXrpc
  /** Serves the `portal` actions (sessions); null: they answer 501. */
  accountSessions: AccountSessions | null
  audit: Pick<AuditTrail, 'append'>
  now: () => number
}

export type ActionOutcome =
  | { kind: 'done'; answer: XrpcAnswer; hosts: FleetHost[] }
  | { kind: 'denied'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unknown-account'; did: string }
  | { kind: 'upstream-error'; reason: string }

/** Status recorded in the audit log and sent to API callers for each outcome. */
export function outcomeStatus(o: ActionOutcome): number {
  switch (o.kind) {
    case 'done':
      return o.answer.status
    case 'denied':
      return 403
    case 'invalid':
      return 400
    case 'unknown-account':
      return 404
    case 'upstream-error':
      return 502
  }
}

/**
 * One admin action, end to end: check the input, find the host of each account, check the
 * member's roles against the NSID and those hosts, call the PDS (or the Entryway's own route) and
 * record the attempt, allowed or not, with its result.
 */
export async function performAction(
  deps: ActionDeps,
  log: FastifyBaseLogger,
  perms: Permissions,
  action: AdminAction,
  input: ActionInput,
): Promise<ActionOutcome> {
  const outcome = await decideAndCall(deps, log, perms, action, input)
  const target = safeTarget(action, input, perms.did)
  const hosts = outcome.kind === 'done' ? outcome.hosts : []
  await deps.audit.append({
    at: new Date(deps.now()).toISOString(),
    actorDid: perms.did,
    nsid: action.nsid,
    target,
    hostId: hosts.length === 1 ? hosts[0]!.id : null,
    allowed: outcome.kind !== 'denied',
    resultStatus: outcomeStatus(outcome),
    detail:
      outcome.kind === 'done'
        ? null
        : outcome.kind === 'unknown-account'
          ? `unknown account ${outcome.did}`
          : outcome.reason,
  })
  log.info(
    {
      actor: perms.did,
      nsid: action.nsid,
      target,
      outcome: outcome.kind,
      status: outcomeStatus(outcome),
    },
    'admin action',
  )
  return outcome
}

function safeTarget(action: AdminAction, input: ActionInput, actor: string): string | null {
  try {
    return action.build(input, actor).target
  } catch {
    return null
  }
}

async function decideAndCall(
  deps: ActionDeps,
  log: FastifyBaseLogger,
  perms: Permissions,
  action: AdminAction,
  input: ActionInput,
): Promise<ActionOutcome> {
  // The NSID alone first: a member with no role naming it learns nothing about the accounts.
  if (!perms.mayEver(action.nsid))
    return { kind: 'denied', reason: `no role of yours allows ${action.nsid}` }
  let built
  try {
    built = action.build(input, perms.did)
  } catch (err) {
    if (err instanceof ActionInputError) return { kind: 'invalid', reason: err.message }
    throw err
  }
  const byHost = new Map<number, { host: FleetHost; dids: string[] }>()
  for (const did of built.accounts) {
    const host = await deps.fleet.hostForAccount(did)
    if (!host) {
      if (action.owner === 'pds') return { kind: 'unknown-account', did }
      continue
    }
    const g = byHost.get(host.id) ?? { host, dids: [] }
    g.dids.push(did)
    byHost.set(host.id, g)
  }
  if (built.hostIds?.length) {
    const fleet = await deps.fleet.hosts()
    for (const id of built.hostIds) {
      const host = fleet.find((h) => h.id === id)
      if (!host) return { kind: 'invalid', reason: `no host #${id} in the fleet` }
      byHost.set(host.id, byHost.get(host.id) ?? { host, dids: [] })
    }
  }
  const hosts = [...byHost.values()].map((g) => g.host)
  const scopes = hosts.length ? hosts : [null]
  for (const h of scopes) {
    if (!perms.allows(action.nsid, h)) {
      return {
        kind: 'denied',
        reason: h
          ? `your roles do not allow ${action.nsid} on ${h.url}`
          : `your roles allow ${action.nsid} only on some hosts`,
      }
    }
  }
  try {
    if (action.owner === 'portal') {
      const answer = await serveSessionAction(deps.accountSessions, action.nsid, built.call)
      return { kind: 'done', answer, hosts }
    }
    if (action.owner === 'entryway') {
      const answer = await deps.entryway.call(action.nsid, built.call)
      return {
        kind: 'done',
        answer: { status: answer.status, body: redactAnswer(answer.body) },
        hosts,
      }
    }
    if (action.nsid === 'com.atproto.admin.getAccountInfos') {
      // Spans the fleet: one call per host, answers merged.
      const answers = await Promise.all(
        [...byHost.values()].map((g) =>
          deps.pds.call(g.host, action.nsid, { method: 'GET', params: { dids: g.dids } }),
        ),
      )
      const failed = answers.find((a) => a.status >= 400)
      if (failed) return { kind: 'done', answer: failed, hosts }
      const infos = answers.flatMap((a) => (a.body as { infos?: unknown[] } | null)?.infos ?? [])
      return { kind: 'done', answer: { status: 200, body: { infos } }, hosts }
    }
    const answer = await deps.pds.call(hosts[0]!, action.nsid, built.call)
    return {
      kind: 'done',
      answer: { status: answer.status, body: redactAnswer(answer.body) },
      hosts,
    }
  } catch (err) {
    log.warn({ err, nsid: action.nsid }, 'admin upstream call failed')
    return { kind: 'upstream-error', reason: 'the upstream service could not be reached' }
  }
}
