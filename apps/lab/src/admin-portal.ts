import { writeFileSync } from 'node:fs'

/** The operator account the lab creates at start; its RBAC role is `pds-admin`. */
export const OPERATOR_NAME = 'operator'

export interface LabOperator {
  handle: string
  password: string
  did: string
}

/**
 * The lab's RBAC file: `pds-admin` (everything) and `moderator`, and the operator as `pds-admin`
 * once known (the gateway starts with no members and reloads the file when it changes).
 */
export function writeLabRbac(file: string, operatorDid: string | null): void {
  const lines = [
    '# Written by ./dev lab: the operator account it creates is pds-admin. Edit freely (reloaded on change).',
    'roles:',
    '  pds-admin:',
    '    description: Everything, on every host.',
    "    endpoints: ['com.atproto.admin.*', 'com.atproto.server.createInviteCode', 'com.atproto.server.createInviteCodes', 'com.atproto.sync.requestCrawl', 'com.entryway.admin.updateHost', 'com.entryway.admin.requestCrawl', entryway.admin.readAudit]",
    '  moderator:',
    '    description: Look up accounts, take them down and restore them.',
    '    endpoints: [com.atproto.admin.getAccountInfo, com.atproto.admin.getAccountInfos, com.atproto.admin.searchAccounts, com.atproto.admin.getSubjectStatus, com.atproto.admin.updateSubjectStatus]',
    'members:',
    ...(operatorDid ? [`  ${operatorDid}: [pds-admin]`] : []),
    '',
  ]
  writeFileSync(file, lines.join('\n'), { mode: 0o600 })
}

/**
 * Signs the operator in, or creates the account when it does not exist yet (a fresh lab, or PLC
 * in memory): either way its DID.
 */
export async function ensureOperator(
  entrywayUrl: string,
  handle: string,
  password: string,
): Promise<LabOperator> {
  const call = async (nsid: string, body: unknown) => {
    const res = await fetch(`${entrywayUrl}/xrpc/${nsid}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    })
    return {
      status: res.status,
      body: (await res.json().catch(() => null)) as { did?: string; message?: string } | null,
    }
  }
  const session = await call('com.atproto.server.createSession', { identifier: handle, password })
  if (session.status === 200 && session.body?.did)
    return { handle, password, did: session.body.did }
  const created = await call('com.atproto.server.createAccount', {
    handle,
    password,
    email: `${handle.split('.')[0]}@example.com`,
  })
  if (created.status !== 200 || !created.body?.did)
    throw new Error(
      `could not create the operator account ${handle}: ${created.status} ${created.body?.message ?? ''}`,
    )
  return { handle, password, did: created.body.did }
}
