import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from './in-process-gateway.js'

// Entryway-owned moderation against a real PDS in entryway mode and a real PLC: takedown and its
// reversal through the Entryway reach both the PDS (writes) and the Entryway (login, refresh);
// admin deletion removes the repo, tombstones the DID and ends login.

t.setTimeout(180_000)

type Json = Record<string, any>
async function xrpc(
  base: string,
  nsid: string,
  o: {
    method?: 'GET' | 'POST'
    token?: string
    auth?: string
    body?: unknown
    query?: Record<string, string>
  } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.auth) headers.authorization = o.auth
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: o.method ?? (o.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

t.test('moderation through the Entryway against a real PDS', async (t) => {
  const fleet = await startFleet({ pdsCount: 1, gateway: false })
  t.teardown(() => fleet.stop())
  await listenOnFleet(t, fleet)
  const E = fleet.entryway.url
  const P = fleet.pds[0]!.url
  const ADMIN = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`

  let n = 0
  async function createAccount(name: string) {
    const handle = `${name}${Date.now().toString(36)}${n++}.test`
    const body = {
      handle,
      email: `${handle.replace(/\./g, '-')}@mail.test`,
      password: `pw-${handle}`,
    }
    // one attempt: listenOnFleet waited for the fleet, so an upstream error here is a failure
    const res = await xrpc(E, 'com.atproto.server.createAccount', { body })
    t.equal(res.status, 200, `createAccount ${res.status === 200 ? '' : JSON.stringify(res.body)}`)
    return { did: res.body.did as string, handle, password: body.password }
  }
  const login = (u: { handle: string; password: string }, extra: Json = {}) =>
    xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: u.handle, password: u.password, ...extra },
    })
  const write = (did: string, accessJwt: string) =>
    xrpc(P, 'com.atproto.repo.createRecord', {
      token: accessJwt,
      body: {
        repo: did,
        collection: 'app.bsky.feed.post',
        record: { text: 'x', createdAt: new Date().toISOString() },
      },
    })
  const repoRef = (did: string) => ({ $type: 'com.atproto.admin.defs#repoRef', did })

  t.test(
    'takedown: the PDS refuses writes and the Entryway refuses login and refresh; reversal restores both',
    async (t) => {
      const u = await createAccount('mallory')
      const s = (await login(u)).body
      t.equal((await write(u.did, s.accessJwt)).status, 200, 'writes before')

      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
            body: { subject: repoRef(u.did), takedown: { applied: true } },
          })
        ).status,
        401,
        'admin only',
      )
      const down = await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
        auth: ADMIN,
        body: { subject: repoRef(u.did), takedown: { applied: true, ref: 'TICKET-1' } },
      })
      t.equal(down.status, 200, `takedown ${JSON.stringify(down.body)}`)
      const status = await xrpc(E, 'com.atproto.admin.getSubjectStatus', {
        auth: ADMIN,
        query: { did: u.did },
      })
      t.match(
        status.body,
        { subject: { did: u.did }, takedown: { applied: true, ref: 'TICKET-1' } },
        'the PDS status, through the Entryway',
      )

      t.not((await write(u.did, s.accessJwt)).status, 200, 'the PDS refuses writes')
      const l = await login(u)
      t.equal(l.status, 401)
      t.equal(l.body.error, 'AccountTakedown', 'login refused as the PDS would')
      const viaPds = await xrpc(P, 'com.atproto.server.createSession', {
        body: { identifier: u.handle, password: u.password },
      })
      t.equal(viaPds.body.error, 'AccountTakedown', 'login through the PDS too')
      const rE = await xrpc(E, 'com.atproto.server.refreshSession', {
        token: s.refreshJwt,
        method: 'POST',
      })
      t.equal(rE.status, 400, 'refresh at the Entryway refused: the session was revoked')
      t.not(
        (
          await xrpc(P, 'com.atproto.server.refreshSession', {
            token: s.refreshJwt,
            method: 'POST',
          })
        ).status,
        200,
        'refresh at the PDS refused',
      )
      const td = await login(u, { allowTakendown: true })
      t.equal(td.status, 200, 'allowTakendown still signs in')
      t.match(td.body, { active: false, status: 'takendown' })
      t.not((await write(u.did, td.body.accessJwt)).status, 200, 'a takendown session cannot write')

      const up = await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
        auth: ADMIN,
        body: { subject: repoRef(u.did), takedown: { applied: false } },
      })
      t.equal(up.status, 200, `reversal ${JSON.stringify(up.body)}`)
      const again = await login(u)
      t.equal(again.status, 200, 'login works again')
      t.equal((await write(u.did, again.body.accessJwt)).status, 200, 'the PDS takes writes again')
      const r2 = await xrpc(E, 'com.atproto.server.refreshSession', {
        token: again.body.refreshJwt,
        method: 'POST',
      })
      t.equal(r2.status, 200, 'refresh works again')
      t.equal(
        (
          await xrpc(P, 'com.atproto.server.refreshSession', {
            token: r2.body.refreshJwt,
            method: 'POST',
          })
        ).status,
        200,
        'at the PDS too',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.refreshSession', {
            token: s.refreshJwt,
            method: 'POST',
          })
        ).status,
        400,
        'sessions from before stay ended',
      )
    },
  )

  t.test('admin deleteAccount: repo gone from the PDS, DID tombstoned, login fails', async (t) => {
    const u = await createAccount('trent')
    const s = (await login(u)).body
    t.equal((await write(u.did, s.accessJwt)).status, 200)
    t.equal(
      (await xrpc(E, 'com.atproto.admin.deleteAccount', { body: { did: u.did } })).status,
      401,
      'admin only',
    )
    const del = await xrpc(E, 'com.atproto.admin.deleteAccount', {
      auth: ADMIN,
      body: { did: u.did },
    })
    t.equal(del.status, 200, `delete ${JSON.stringify(del.body)}`)
    const repo = await xrpc(P, 'com.atproto.sync.getLatestCommit', { query: { did: u.did } })
    t.equal(repo.body.error, 'RepoNotFound', 'the repo is gone from the PDS')
    const last = (await (
      await fetch(`${fleet.plc.url}/${u.did}/log/last`, { signal: AbortSignal.timeout(10_000) })
    ).json()) as Json
    t.equal(last.type, 'plc_tombstone', 'the DID is tombstoned on PLC')
    t.equal((await login(u)).status, 401, 'login fails')
    t.equal(
      (await xrpc(E, 'com.atproto.server.refreshSession', { token: s.refreshJwt, method: 'POST' }))
        .status,
      400,
      'refresh fails',
    )
    t.equal(
      (await xrpc(E, 'com.atproto.admin.deleteAccount', { auth: ADMIN, body: { did: u.did } })).body
        .error,
      'AccountNotFound',
    )
  })

  t.test(
    'account invites are switched at the Entryway (the PDS refuses them in entryway mode)',
    async (t) => {
      const u = await createAccount('peggy')
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.disableAccountInvites', {
            auth: ADMIN,
            body: { account: u.did, note: 'abuse' },
          })
        ).status,
        200,
      )
      const listed = await xrpc(E, 'com.entryway.admin.listAccounts', {
        auth: ADMIN,
        query: { limit: '1000' },
      })
      t.match(
        listed.body.accounts.find((a: Json) => a.did === u.did),
        { invitesDisabled: true },
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.enableAccountInvites', {
            auth: ADMIN,
            body: { account: u.did },
          })
        ).status,
        200,
      )
      const direct = await xrpc(P, 'com.atproto.admin.enableAccountInvites', {
        auth: ADMIN,
        body: { account: u.did },
      })
      t.equal(direct.status, 400, 'the PDS itself refuses')
    },
  )
})
