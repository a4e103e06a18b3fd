import type { XrpcCall } from './upstream.js'
import { REVOKE_ACCOUNT_SESSION, REVOKE_ACCOUNT_SESSIONS } from './account-sessions.js'

/** Flat input, from an HTML form or the JSON API. Repeated fields become arrays. */
export type ActionInput = Record<string, string | string[] | undefined>

export interface FieldSpec {
  name: string
  label: string
  type: 'text' | 'password' | 'number' | 'textarea' | 'select'
  required?: boolean
  options?: readonly string[]
  placeholder?: string
}

/** What one action sends, and what it acts on. */
export interface BuiltCall {
  call: XrpcCall
  /** Shown in the audit log: the account DID or invite code(s). */
  target: string | null
  /** Accounts whose hosts the call lands on (PDS actions) or which it concerns (Entryway actions). */
  accounts: string[]
  /** Fleet hosts (ids) the call acts on: a role limited to some hosts is checked against them. */
  hostIds?: number[]
}

export interface AdminAction {
  nsid: string
  label: string
  /**
   * `pds`: sent to the PDS that hosts each account. `entryway`: an Entryway-owned route (takedowns
   * and deletion too: the Entryway applies them on the account's PDS and to its own sessions).
   * `portal`: served by the portal itself from what the app gave it (`accountSessions`).
   */
  owner: 'pds' | 'entryway' | 'portal'
  /** Shown in red, asks for confirmation. */
  danger?: boolean
  fields: readonly FieldSpec[]
  build(input: ActionInput, actorDid: string): BuiltCall
}

export class ActionInputError extends Error {
  override name = 'ActionInputError'
}

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]+$/

function one(input: ActionInput, name: string, required = true): string | undefined {
  const v = input[name]
  const s = (Array.isArray(v) ? v[0] : v)?.trim()
  if (!s) {
    if (required) throw new ActionInputError(`${name} is required`)
    return undefined
  }
  if (s.length > 10_000) throw new ActionInputError(`${name} is too long`)
  return s
}

function did(input: ActionInput, name: string): string {
  const s = one(input, name)!
  if (!DID.test(s)) throw new ActionInputError(`${name} must be a DID`)
  return s
}

/** A list from repeated fields or one comma/space/newline separated field. */
function list(input: ActionInput, name: string): string[] {
  const v = input[name]
  const raw = Array.isArray(v) ? v : v ? [v] : []
  return raw.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)
}

function int(input: ActionInput, name: string, def: number, max: number): number {
  const s = one(input, name, false)
  if (s === undefined) return def
  const n = Number(s)
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ActionInputError(`${name} must be a whole number from 1 to ${max}`)
  return n
}

const didField: FieldSpec = {
  name: 'did',
  label: 'Account DID',
  type: 'text',
  required: true,
  placeholder: 'did:plc:…',
}
const accountField: FieldSpec = {
  name: 'account',
  label: 'Account DID',
  type: 'text',
  required: true,
  placeholder: 'did:plc:…',
}

/** enable/disableAccountInvites take the same input and differ only in what they do. */
function accountInvitesAction(nsid: string, label: string): AdminAction {
  return {
    nsid,
    label,
    owner: 'entryway',
    fields: [accountField, { name: 'note', label: 'Note', type: 'text' }],
    build: (i) => {
      const d = did(i, 'account')
      const note = one(i, 'note', false)
      return {
        call: { method: 'POST', body: { account: d, ...(note ? { note } : {}) } },
        target: d,
        accounts: [d],
      }
    },
  }
}

const hostField: FieldSpec = {
  name: 'host',
  label: 'Host (id)',
  type: 'number',
  required: true,
}

function hostId(input: ActionInput): number {
  const s = one(input, 'host')!
  const n = Number(s)
  if (!Number.isInteger(n) || n < 1) throw new ActionInputError('host must be a host id')
  return n
}

/** The host statuses an operator sets from the portal (retiring needs an empty host: the CLI). */
export const HOST_STATUSES = ['enabled', 'draining', 'disabled'] as const

const ACTIONS: readonly AdminAction[] = [
  {
    nsid: 'com.entryway.admin.updateHost',
    label: 'Set host status',
    owner: 'entryway',
    fields: [
      hostField,
      { name: 'status', label: 'Status', type: 'select', required: true, options: HOST_STATUSES },
    ],
    build: (i) => {
      const id = hostId(i)
      const status = one(i, 'status')!
      if (!(HOST_STATUSES as readonly string[]).includes(status))
        throw new ActionInputError(`status must be one of ${HOST_STATUSES.join(', ')}`)
      return {
        call: { method: 'POST', body: { host: id, status } },
        target: `host:${id}`,
        accounts: [],
        hostIds: [id],
      }
    },
  },
  {
    nsid: 'com.entryway.admin.requestCrawl',
    label: 'Request crawl',
    owner: 'entryway',
    fields: [hostField],
    build: (i) => {
      const id = hostId(i)
      return {
        call: { method: 'POST', body: { host: id } },
        target: `host:${id}`,
        accounts: [],
        hostIds: [id],
      }
    },
  },
  {
    nsid: 'com.atproto.admin.getAccountInfo',
    label: 'Account info',
    owner: 'pds',
    fields: [didField],
    build: (i) => {
      const d = did(i, 'did')
      return { call: { method: 'GET', params: { did: d } }, target: d, accounts: [d] }
    },
  },
  {
    nsid: 'com.atproto.admin.getAccountInfos',
    label: 'Several accounts',
    owner: 'pds',
    fields: [
      {
        name: 'dids',
        label: 'DIDs (comma or newline separated)',
        type: 'textarea',
        required: true,
      },
    ],
    build: (i) => {
      const dids = [...new Set(list(i, 'dids'))]
      if (!dids.length || dids.length > 100) throw new ActionInputError('dids: give 1 to 100 DIDs')
      for (const d of dids) if (!DID.test(d)) throw new ActionInputError(`dids: ${d} is not a DID`)
      return { call: { method: 'GET', params: { dids } }, target: dids.join(' '), accounts: dids }
    },
  },
  {
    nsid: 'com.atproto.admin.getSubjectStatus',
    label: 'Status',
    owner: 'entryway',
    fields: [didField],
    build: (i) => {
      const d = did(i, 'did')
      return { call: { method: 'GET', params: { did: d } }, target: d, accounts: [d] }
    },
  },
  {
    nsid: 'com.atproto.admin.updateSubjectStatus',
    label: 'Take down / restore',
    owner: 'entryway',
    fields: [
      didField,
      {
        name: 'takedown',
        label: 'Takedown',
        type: 'select',
        required: true,
        options: ['apply', 'reverse'],
      },
      { name: 'ref', label: 'Reference (ticket, reason)', type: 'text' },
    ],
    build: (i) => {
      const d = did(i, 'did')
      const mode = one(i, 'takedown')
      if (mode !== 'apply' && mode !== 'reverse')
        throw new ActionInputError('takedown must be apply or reverse')
      const ref = one(i, 'ref', false)
      return {
        call: {
          method: 'POST',
          body: {
            subject: { $type: 'com.atproto.admin.defs#repoRef', did: d },
            takedown:
              mode === 'apply' ? { applied: true, ...(ref ? { ref } : {}) } : { applied: false },
          },
        },
        target: d,
        accounts: [d],
      }
    },
  },
  {
    nsid: 'com.atproto.admin.deleteAccount',
    label: 'Delete account',
    owner: 'entryway',
    danger: true,
    fields: [didField],
    build: (i) => {
      const d = did(i, 'did')
      return { call: { method: 'POST', body: { did: d } }, target: d, accounts: [d] }
    },
  },
  {
    nsid: REVOKE_ACCOUNT_SESSION,
    label: 'Revoke session',
    owner: 'portal',
    fields: [didField, { name: 'session', label: 'Session', type: 'text', required: true }],
    build: (i) => {
      const d = did(i, 'did')
      return {
        call: { method: 'POST', body: { did: d, session: one(i, 'session')! } },
        target: d,
        accounts: [d],
      }
    },
  },
  {
    nsid: REVOKE_ACCOUNT_SESSIONS,
    label: 'Sign out everywhere',
    owner: 'portal',
    danger: true,
    fields: [didField],
    build: (i) => {
      const d = did(i, 'did')
      return { call: { method: 'POST', body: { did: d } }, target: d, accounts: [d] }
    },
  },
  {
    nsid: 'com.atproto.admin.updateAccountPassword',
    label: 'Set password',
    owner: 'entryway',
    danger: true,
    fields: [
      didField,
      { name: 'password', label: 'New password', type: 'password', required: true },
    ],
    build: (i) => {
      const d = did(i, 'did')
      return {
        call: { method: 'POST', body: { did: d, password: one(i, 'password')! } },
        target: d,
        accounts: [d],
      }
    },
  },
  accountInvitesAction('com.atproto.admin.enableAccountInvites', 'Enable invites'),
  accountInvitesAction('com.atproto.admin.disableAccountInvites', 'Disable invites'),
  {
    nsid: 'com.atproto.admin.getInviteCodes',
    label: 'List invite codes',
    owner: 'entryway',
    fields: [
      { name: 'sort', label: 'Sort', type: 'select', options: ['recent', 'usage'] },
      { name: 'limit', label: 'Limit', type: 'number', placeholder: '100' },
      { name: 'cursor', label: 'Cursor', type: 'text' },
    ],
    build: (i) => {
      const sort = one(i, 'sort', false) ?? 'recent'
      if (sort !== 'recent' && sort !== 'usage')
        throw new ActionInputError('sort must be recent or usage')
      const cursor = one(i, 'cursor', false)
      const params: Record<string, string> = { sort, limit: String(int(i, 'limit', 100, 500)) }
      if (cursor) params.cursor = cursor
      return { call: { method: 'GET', params }, target: null, accounts: [] }
    },
  },
  {
    nsid: 'com.atproto.admin.disableInviteCodes',
    label: 'Disable invite codes',
    owner: 'entryway',
    fields: [
      { name: 'codes', label: 'Codes', type: 'textarea' },
      { name: 'accounts', label: 'All codes of these accounts (DIDs)', type: 'textarea' },
    ],
    build: (i) => {
      const codes = list(i, 'codes')
      const accounts = list(i, 'accounts')
      if (!codes.length && !accounts.length) throw new ActionInputError('give codes or accounts')
      for (const d of accounts)
        if (!DID.test(d)) throw new ActionInputError(`accounts: ${d} is not a DID`)
      return {
        call: { method: 'POST', body: { codes, accounts } },
        target: [...codes, ...accounts].join(' '),
        accounts: [],
      }
    },
  },
  {
    nsid: 'com.atproto.server.createInviteCode',
    label: 'Create invite code',
    owner: 'entryway',
    fields: [
      { name: 'useCount', label: 'Uses', type: 'number', required: true, placeholder: '1' },
      { name: 'forAccount', label: 'For account (DID, optional)', type: 'text' },
    ],
    build: (i) => {
      const useCount = int(i, 'useCount', 1, 1000)
      const forAccount = one(i, 'forAccount', false)
      if (forAccount && !DID.test(forAccount))
        throw new ActionInputError('forAccount must be a DID')
      return {
        call: { method: 'POST', body: { useCount, ...(forAccount ? { forAccount } : {}) } },
        target: forAccount ?? null,
        accounts: [],
      }
    },
  },
  {
    nsid: 'com.atproto.admin.sendEmail',
    label: 'Send email',
    owner: 'entryway',
    fields: [
      { name: 'recipientDid', label: 'Recipient DID', type: 'text', required: true },
      { name: 'subject', label: 'Subject', type: 'text' },
      { name: 'content', label: 'Message', type: 'textarea', required: true },
    ],
    build: (i, actorDid) => {
      const d = did(i, 'recipientDid')
      const subject = one(i, 'subject', false)
      return {
        call: {
          method: 'POST',
          body: {
            recipientDid: d,
            senderDid: actorDid,
            content: one(i, 'content')!,
            ...(subject ? { subject } : {}),
          },
        },
        target: d,
        accounts: [d],
      }
    },
  },
  {
    nsid: 'com.atproto.server.createAccount',
    label: 'Create account',
    owner: 'entryway',
    fields: [
      { name: 'handle', label: 'Handle', type: 'text', required: true },
      { name: 'email', label: 'Email', type: 'text', required: true },
      { name: 'password', label: 'Password', type: 'password', required: true },
      { name: 'inviteCode', label: 'Invite code', type: 'text' },
    ],
    build: (i) => {
      const inviteCode = one(i, 'inviteCode', false)
      const handle = one(i, 'handle')!
      return {
        call: {
          method: 'POST',
          body: {
            handle,
            email: one(i, 'email')!,
            password: one(i, 'password')!,
            ...(inviteCode ? { inviteCode } : {}),
          },
        },
        target: handle,
        accounts: [],
      }
    },
  },
]

export const ADMIN_ACTIONS: ReadonlyMap<string, AdminAction> = new Map(
  ACTIONS.map((a) => [a.nsid, a]),
)

/** Fields never echoed back to the browser from an upstream answer. */
const SECRET_KEYS = new Set(['accessJwt', 'refreshJwt', 'password'])

export function redactAnswer(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactAnswer)
  if (body && typeof body === 'object') {
    return Object.fromEntries(
      Object.entries(body).map(([k, v]) => [
        k,
        SECRET_KEYS.has(k) ? '[redacted]' : redactAnswer(v),
      ]),
    )
  }
  return body
}
