import { parse, YAMLParseError } from 'yaml'

/** One role: what it may call, and optionally on which hosts only. */
export interface RbacRole {
  name: string
  /** NSID patterns: exact (`com.atproto.admin.getAccountInfo`) or a prefix ending in `*`. */
  endpoints: readonly string[]
  /** Host URLs (origins) or host DIDs the role is limited to; null: every host. */
  hosts: readonly string[] | null
}

/** A validated RBAC file. Immutable; a reload builds a new one. */
export interface RbacPolicy {
  readonly roles: ReadonlyMap<string, RbacRole>
  readonly members: ReadonlyMap<string, readonly string[]>
}

/** Where an action lands: a fleet host (by URL and DID), or the Entryway itself (null). */
export interface ActionHost {
  url: string
  did: string
}

/** Thrown with every problem found in a file, one per line, each prefixed by its YAML path. */
export class RbacConfigError extends Error {
  override name = 'RbacConfigError'
  constructor(readonly problems: readonly string[]) {
    super(`invalid RBAC file:\n  - ${problems.join('\n  - ')}`)
  }
}

const ROLE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/
const NSID_SEGMENT = /^[a-zA-Z][a-zA-Z0-9-]*$/
const DID = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9._:%-]+)$/
const ROLE_KEYS = new Set(['endpoints', 'hosts', 'description'])
const MEMBER_KEYS = new Set(['did', 'roles', 'description'])

/** `*`, an exact NSID, or segments followed by a `*` suffix (`com.atproto.admin.*`, `com.atproto.admin.get*`). */
export function isEndpointPattern(p: string): boolean {
  if (p === '*') return true
  const body = p.endsWith('*') ? p.slice(0, -1) : p
  if (!body || body.includes('*')) return false
  const segs = body.split('.')
  const last = segs.pop()!
  if (segs.length < (p.endsWith('*') ? 1 : 2)) return false
  if (!segs.every((s) => NSID_SEGMENT.test(s))) return false
  return p.endsWith('*')
    ? last === '' || /^[a-zA-Z][a-zA-Z0-9-]*$/.test(last)
    : NSID_SEGMENT.test(last)
}

export function endpointMatches(pattern: string, nsid: string): boolean {
  return pattern.endsWith('*') ? nsid.startsWith(pattern.slice(0, -1)) : pattern === nsid
}

function normalizeHost(h: string): string | null {
  if (h.startsWith('did:')) return DID.test(h) ? h : null
  try {
    const u = new URL(h)
    if (
      (u.protocol !== 'http:' && u.protocol !== 'https:') ||
      (u.pathname !== '/' && u.pathname !== '') ||
      u.search ||
      u.hash
    )
      return null
    return u.origin
  } catch {
    return null
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parses and strictly validates RBAC YAML. Throws `RbacConfigError` listing every problem. */
export function parseRbacPolicy(text: string): RbacPolicy {
  let doc: unknown
  try {
    doc = parse(text, { uniqueKeys: true, prettyErrors: true, maxAliasCount: 100 })
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0]! : String(err)
    throw new RbacConfigError([`YAML syntax: ${msg}`])
  }
  const problems: string[] = []
  if (!isRecord(doc))
    throw new RbacConfigError(['the file must be a mapping with `roles` and `members`'])
  for (const k of Object.keys(doc))
    if (k !== 'roles' && k !== 'members')
      problems.push(`${k}: unknown top-level key (expected roles, members)`)

  const roles = new Map<string, RbacRole>()
  if (!isRecord(doc.roles) || Object.keys(doc.roles).length === 0) {
    problems.push('roles: must be a non-empty mapping of role name → { endpoints, hosts? }')
  } else {
    for (const [name, raw] of Object.entries(doc.roles)) {
      const at = `roles.${name}`
      if (!ROLE_NAME.test(name))
        problems.push(`${at}: role names are lower-case letters, digits, - and _`)
      if (!isRecord(raw)) {
        problems.push(`${at}: must be a mapping with endpoints`)
        continue
      }
      for (const k of Object.keys(raw))
        if (!ROLE_KEYS.has(k))
          problems.push(`${at}.${k}: unknown key (expected endpoints, hosts, description)`)
      const endpoints: string[] = []
      if (!Array.isArray(raw.endpoints) || raw.endpoints.length === 0) {
        problems.push(`${at}.endpoints: must be a non-empty list of NSID patterns`)
      } else {
        raw.endpoints.forEach((e, i) => {
          if (typeof e !== 'string' || !isEndpointPattern(e)) {
            problems.push(
              `${at}.endpoints[${i}]: ${JSON.stringify(e)} is not an NSID or an NSID prefix ending in *`,
            )
          } else endpoints.push(e)
        })
      }
      let hosts: string[] | null = null
      if (raw.hosts !== undefined) {
        if (!Array.isArray(raw.hosts) || raw.hosts.length === 0) {
          problems.push(`${at}.hosts: when present, must be a non-empty list of host URLs or DIDs`)
        } else {
          hosts = []
          raw.hosts.forEach((h, i) => {
            const n = typeof h === 'string' ? normalizeHost(h) : null
            if (!n)
              problems.push(
                `${at}.hosts[${i}]: ${JSON.stringify(h)} is not a host origin (https://pds.example) or a DID`,
              )
            else hosts!.push(n)
          })
        }
      }
      roles.set(
        name,
        Object.freeze({
          name,
          endpoints: Object.freeze(endpoints),
          hosts: hosts && Object.freeze(hosts),
        }),
      )
    }
  }

  const members = new Map<string, readonly string[]>()
  const addMember = (atDid: string, at: string, did: unknown, raw: unknown) => {
    if (typeof did !== 'string' || !DID.test(did))
      problems.push(`${atDid}: not a did:plc or did:web DID`)
    const list = typeof raw === 'string' ? [raw] : raw
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`${at}: must be a non-empty list of role names`)
      return
    }
    const names: string[] = []
    list.forEach((r, i) => {
      if (typeof r !== 'string') problems.push(`${at}[${i}]: must be a role name`)
      else if (isRecord(doc.roles) && !roles.has(r))
        problems.push(`${at}[${i}]: unknown role ${JSON.stringify(r)}`)
      else names.push(r)
    })
    if (typeof did !== 'string') return
    // a DID listed twice (possible in the list form) holds the roles of both entries
    members.set(did, Object.freeze([...new Set([...(members.get(did) ?? []), ...names])]))
  }
  if (doc.members === null || doc.members === undefined) {
    // No members: a valid file that lets nobody in.
  } else if (Array.isArray(doc.members)) {
    // pds-gatekeeper's form: a list of { did, roles } entries (its files load unchanged)
    doc.members.forEach((m, i) => {
      const at = `members[${i}]`
      if (!isRecord(m)) {
        problems.push(`${at}: must be a mapping with did and roles`)
        return
      }
      for (const k of Object.keys(m))
        if (!MEMBER_KEYS.has(k))
          problems.push(`${at}.${k}: unknown key (expected did, roles, description)`)
      addMember(`${at}.did`, `${at}.roles`, m.did, m.roles)
    })
  } else if (!isRecord(doc.members)) {
    problems.push(
      'members: must be a mapping of DID → list of role names, or a list of { did, roles }',
    )
  } else {
    for (const [did, raw] of Object.entries(doc.members))
      addMember(`members.${did}`, `members.${did}`, did, raw)
  }
  if (problems.length) throw new RbacConfigError(problems)
  return Object.freeze({ roles, members })
}

/** What a member may do: the union of their roles. */
export class Permissions {
  constructor(
    readonly did: string,
    readonly roles: readonly RbacRole[],
  ) {}

  get isMember(): boolean {
    return this.roles.length > 0
  }

  get roleNames(): string[] {
    return this.roles.map((r) => r.name)
  }

  /**
   * May this member call `nsid` on `host` (null: an Entryway-owned or fleet-wide action)?
   * A role limited to hosts grants only actions that land on one of those hosts.
   */
  allows(nsid: string, host: ActionHost | null): boolean {
    return this.roles.some((r) => {
      if (!r.endpoints.some((p) => endpointMatches(p, nsid))) return false
      if (!r.hosts) return true
      if (!host) return false
      return r.hosts.includes(new URL(host.url).origin) || r.hosts.includes(host.did)
    })
  }

  /** May call `nsid` on at least some host (for showing a button at all). */
  mayEver(nsid: string): boolean {
    return this.roles.some((r) => r.endpoints.some((p) => endpointMatches(p, nsid)))
  }
}

export function permissionsFor(policy: RbacPolicy, did: string): Permissions {
  const names = policy.members.get(did) ?? []
  return new Permissions(
    did,
    names.map((n) => policy.roles.get(n)).filter((r): r is RbacRole => r !== undefined),
  )
}
