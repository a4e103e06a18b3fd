import { createHash, randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { startFleet, type Fleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv, type Gateway } from '../src/index.js'
import type { MoveWiringOverrides } from '../src/wire/moves.js'

// Shared set-up of the account-move tests: a real fleet (PLC + PDSes in entryway mode), the
// gateway in-process on the fleet's Entryway port, accounts with records, blobs and preferences.

export type Json = Record<string, any>

export interface XrpcResult {
  status: number
  headers: Headers
  body: Json
}

/** One XRPC call; `bytes` sends a binary body. GET unless a body is given or `post` is set. */
export async function xrpc(
  base: string,
  nsid: string,
  o: {
    token?: string
    auth?: string
    body?: unknown
    bytes?: { data: Uint8Array; type: string }
    query?: Record<string, string>
    post?: boolean
  } = {},
): Promise<XrpcResult> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.auth) headers.authorization = o.auth
  let body: Uint8Array | string | undefined
  if (o.bytes) {
    headers['content-type'] = o.bytes.type
    body = o.bytes.data
  } else if (o.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(o.body)
  }
  const res = await fetch(url, {
    method: body !== undefined || o.post ? 'POST' : 'GET',
    headers,
    body,
    signal: AbortSignal.timeout(60_000),
  })
  const text = await res.text()
  let json: Json
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    json = { raw: text }
  }
  return { status: res.status, headers: res.headers, body: json }
}

export interface MoveFleet {
  fleet: Fleet
  gw: Gateway
  /** The Entryway's URL. */
  E: string
  admin: string
}

/** PLC + `pdsCount` PDSes + the gateway in-process, every PDS seen healthy. */
export async function startMoveFleet(
  t: Test,
  o: { pdsCount?: number; moves?: MoveWiringOverrides } = {},
): Promise<MoveFleet> {
  const fleet = await startFleet({ pdsCount: o.pdsCount ?? 2, gateway: false, mail: false })
  t.teardown(() => fleet.stop())
  const gw = await buildMoveGateway(t, fleet, o.moves)
  return {
    fleet,
    gw,
    E: fleet.entryway.url,
    admin: `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`,
  }
}

/** A gateway on the fleet's Entryway port (a "restart" builds another on the same database). */
export async function buildMoveGateway(
  t: Test,
  fleet: Fleet,
  moves?: MoveWiringOverrides,
): Promise<Gateway> {
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), {
    logger: process.env.E2E_LOG === '1',
    moves,
  })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  const deadline = Date.now() + 20_000
  for (;;) {
    const healthy = await gw.database.db
      .selectFrom('pds_host')
      .select('url')
      .where('healthy', '=', true)
      .execute()
    if (healthy.length >= fleet.pds.length) break
    if (Date.now() > deadline) throw new Error('the fleet did not turn healthy')
    await new Promise((r) => setTimeout(r, 100))
  }
  return gw
}

export interface MoveUser {
  did: string
  handle: string
  password: string
  accessJwt: string
  refreshJwt: string
  /** sha256 hex of each blob uploaded, by CID. */
  blobs: Map<string, string>
}

let seq = 0
/** An account made at the Entryway with `records` posts and `blobs` blobs (each held by a record) and one preference. */
export async function makeUser(
  E: string,
  o: { records: number; blobs: number; hostUrl?: string },
): Promise<MoveUser> {
  const handle = `m${Date.now().toString(36)}${seq++}.test`
  const password = `pw-${handle}`
  const made = await xrpc(E, 'com.atproto.server.createAccount', {
    body: { handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password },
  })
  if (made.status !== 200)
    throw new Error(`createAccount: ${made.status} ${JSON.stringify(made.body)}`)
  const u: MoveUser = {
    did: made.body.did,
    handle,
    password,
    accessJwt: made.body.accessJwt,
    refreshJwt: made.body.refreshJwt,
    blobs: new Map(),
  }
  const writes = []
  for (let i = 0; i < o.records; i++) {
    writes.push({
      $type: 'com.atproto.repo.applyWrites#create',
      collection: 'app.bsky.feed.post',
      value: {
        $type: 'app.bsky.feed.post',
        text: `post ${i}`,
        createdAt: new Date().toISOString(),
      },
    })
  }
  for (let i = 0; i < writes.length; i += 200) {
    const res = await xrpc(E, 'com.atproto.repo.applyWrites', {
      token: u.accessJwt,
      body: { repo: u.did, writes: writes.slice(i, i + 200) },
    })
    if (res.status !== 200)
      throw new Error(`applyWrites: ${res.status} ${JSON.stringify(res.body)}`)
  }
  for (let i = 0; i < o.blobs; i++) {
    const data = randomBytes(2048 + i)
    const up = await xrpc(E, 'com.atproto.repo.uploadBlob', {
      token: u.accessJwt,
      bytes: { data, type: 'application/octet-stream' },
    })
    if (up.status !== 200) throw new Error(`uploadBlob: ${up.status} ${JSON.stringify(up.body)}`)
    u.blobs.set(up.body.blob.ref.$link, sha256(data))
    const rec = await xrpc(E, 'com.atproto.repo.createRecord', {
      token: u.accessJwt,
      body: {
        repo: u.did,
        collection: 'com.example.file',
        record: { $type: 'com.example.file', file: up.body.blob },
      },
    })
    if (rec.status !== 200)
      throw new Error(`createRecord: ${rec.status} ${JSON.stringify(rec.body)}`)
  }
  const prefs = await xrpc(E, 'app.bsky.actor.putPreferences', {
    token: u.accessJwt,
    body: { preferences: [{ $type: 'app.bsky.actor.defs#adultContentPref', enabled: true }] },
  })
  if (prefs.status !== 200)
    throw new Error(`putPreferences: ${prefs.status} ${JSON.stringify(prefs.body)}`)
  return u
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex')
}

/** Every record of the account on one PDS, path → CID (listRecords over its collections). */
export async function recordsOn(pdsUrl: string, did: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const desc = await xrpc(pdsUrl, 'com.atproto.repo.describeRepo', { query: { repo: did } })
  if (desc.status !== 200)
    throw new Error(`describeRepo at ${pdsUrl}: ${desc.status} ${JSON.stringify(desc.body)}`)
  for (const collection of desc.body.collections as string[]) {
    let cursor: string | undefined
    do {
      const q: Record<string, string> = { repo: did, collection, limit: '100' }
      if (cursor) q.cursor = cursor
      const page = await xrpc(pdsUrl, 'com.atproto.repo.listRecords', { query: q })
      for (const r of page.body.records as Array<{ uri: string; cid: string }>)
        out.set(r.uri.split('/').slice(-2).join('/'), r.cid)
      cursor = page.body.records.length ? page.body.cursor : undefined
    } while (cursor)
  }
  return out
}

/** sha256 of a blob as one PDS serves it, or null when it does not. */
export async function blobHashOn(pdsUrl: string, did: string, cid: string): Promise<string | null> {
  const res = await fetch(
    `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${cid}`,
    { signal: AbortSignal.timeout(15_000) },
  )
  if (res.status !== 200) return null
  return sha256(new Uint8Array(await res.arrayBuffer()))
}

/** Polls getMove until the job is no longer live. */
export async function waitMove(
  E: string,
  admin: string,
  id: number,
  timeoutMs = 120_000,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await xrpc(E, 'com.entryway.admin.getMove', {
      auth: admin,
      query: { id: String(id) },
    })
    if (res.status !== 200) throw new Error(`getMove: ${res.status} ${JSON.stringify(res.body)}`)
    if (!res.body.move.live) return res.body.move
    if (Date.now() > deadline)
      throw new Error(
        `move ${id} still ${res.body.move.state} at ${res.body.move.step}: ${res.body.move.error ?? ''}`,
      )
    await new Promise((r) => setTimeout(r, 100))
  }
}

export function decodeJwt(token: string): Json {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
}
