import t, { type Test } from 'tap'
import { AtpAgent } from '@atproto/api'
import { startFleet, mailbox } from '@entryway/testkit'
import { listenOnFleet } from './in-process-gateway.js'

// Starting the fleet and five accounts' flows take ~30 s on a shared machine.
t.setTimeout(240_000)

// The issue's "done when" list, against a real PDS in entryway mode, a real PLC and a mail sink.

type Json = Record<string, any>
async function xrpc(
  base: string,
  nsid: string,
  o: { token?: string; body?: unknown; query?: Record<string, string>; auth?: string } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.auth) headers.authorization = o.auth
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method:
      o.body !== undefined || !o.query
        ? nsid.includes('.get') || nsid.includes('.list') || nsid.includes('checkSignupQueue')
          ? 'GET'
          : 'POST'
        : 'GET',
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

// A refusal is a client error with an XRPC error name: a 5xx (or any non-200) is not "refused".
function refused(t: Test, res: { status: number; body: Json }, what: string) {
  t.ok(
    res.status >= 400 && res.status < 500,
    `${what}: 4xx (${res.status} ${JSON.stringify(res.body)})`,
  )
  t.type(res.body.error, 'string', `${what}: an XRPC error`)
}

t.test('sessions against a real PDS in entryway mode', async (t) => {
  const fleet = await startFleet({ pdsCount: 1, gateway: false })
  t.teardown(() => fleet.stop())
  await listenOnFleet(t, fleet)
  const E = fleet.entryway.url
  const pds = fleet.pds[0]!
  const P = pds.url
  const mail = mailbox(fleet.mail!.httpUrl)
  // Accounts come from placement's createAccount at the Entryway (reserveSigningKey → PLC genesis
  // op signed by the rotation key → PDS createAccount → account row).
  let n = 0
  async function createAccount(name: string) {
    const handle = `${name}${Date.now().toString(36)}${n++}.test`
    const email = `${handle.replace(/\./g, '-')}@mail.test`
    const password = `pw-${handle}`
    // one attempt: listenOnFleet waited for the fleet, so an upstream error here is a failure
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle, email, password },
    })
    t.equal(
      res.status,
      200,
      `createAccount at the Entryway ${res.status === 200 ? '' : JSON.stringify(res.body)}`,
    )
    return { did: res.body.did as string, handle, email, password }
  }
  const code = async (to: string, subject: RegExp) => {
    const m = await mail.waitFor({ to, subject, timeoutMs: 10_000 })
    const c = m.text.match(/[A-Z2-7]{5}-[A-Z2-7]{5}/)?.[0]
    if (!c) throw new Error(`no code in mail: ${m.text}`)
    return c
  }

  t.test(
    'log in at the Entryway, write on the PDS, refresh at both, same getSession, logout everywhere',
    async (t) => {
      const u = await createAccount('alice')
      const agent = new AtpAgent({ service: E })
      await agent.login({ identifier: u.handle, password: u.password })
      t.equal(agent.session?.did, u.did)
      t.equal(agent.pdsUrl?.origin, new URL(P).origin, 'the didDoc sends the client to its PDS')
      const post = await agent.post({
        text: 'hello from the entryway',
        createdAt: new Date().toISOString(),
      })
      t.match(post.uri, new RegExp(`^at://${u.did}/app.bsky.feed.post/`))
      const rec = await xrpc(P, 'com.atproto.repo.getRecord', {
        query: { repo: u.did, collection: 'app.bsky.feed.post', rkey: post.uri.split('/').pop()! },
      })
      t.equal(rec.body.value?.text, 'hello from the entryway', 'the record is on the PDS')

      const r1 = await xrpc(E, 'com.atproto.server.refreshSession', {
        token: agent.session!.refreshJwt,
      })
      t.equal(r1.status, 200, 'refresh at the Entryway')
      const r2 = await xrpc(P, 'com.atproto.server.refreshSession', { token: r1.body.refreshJwt })
      t.equal(r2.status, 200, `refresh at the PDS (forwarded) ${JSON.stringify(r2.body)}`)
      t.equal(r2.body.did, u.did)

      const atE = await xrpc(E, 'com.atproto.server.getSession', {
        token: r2.body.accessJwt,
        query: {},
      })
      const atP = await xrpc(P, 'com.atproto.server.getSession', {
        token: r2.body.accessJwt,
        query: {},
      })
      t.equal(atE.status, 200)
      t.equal(atP.status, 200, JSON.stringify(atP.body))
      t.same(atP.body, atE.body, 'getSession bodies are equal at both')

      const created = await xrpc(P, 'com.atproto.repo.createRecord', {
        token: r2.body.accessJwt,
        body: {
          repo: u.did,
          collection: 'app.bsky.feed.post',
          record: { text: 'after refresh', createdAt: new Date().toISOString() },
        },
      })
      t.equal(created.status, 200, 'the refreshed access token writes on the PDS')

      const out = await xrpc(E, 'com.atproto.server.deleteSession', { token: r2.body.refreshJwt })
      t.equal(out.status, 200)
      const afterE = await xrpc(E, 'com.atproto.server.refreshSession', {
        token: r2.body.refreshJwt,
      })
      const afterP = await xrpc(P, 'com.atproto.server.refreshSession', {
        token: r2.body.refreshJwt,
      })
      t.equal(afterE.status, 400)
      t.equal(afterE.body.error, 'ExpiredToken')
      refused(t, afterP, 'refresh at the PDS fails too')
      const oldGrace = await xrpc(P, 'com.atproto.server.refreshSession', {
        token: r1.body.refreshJwt,
      })
      refused(t, oldGrace, 'an earlier token in its grace window cannot bring the session back')
    },
  )

  t.test(
    'login forwarded by the PDS; app passwords can post but not create app passwords',
    async (t) => {
      const u = await createAccount('bob')
      const viaPds = await xrpc(P, 'com.atproto.server.createSession', {
        body: { identifier: u.handle, password: u.password },
      })
      t.equal(viaPds.status, 200, `createSession through the PDS ${JSON.stringify(viaPds.body)}`)
      const full = viaPds.body
      const ap = await xrpc(P, 'com.atproto.server.createAppPassword', {
        token: full.accessJwt,
        body: { name: 'phone' },
      })
      t.equal(ap.status, 200, `createAppPassword via the PDS ${JSON.stringify(ap.body)}`)
      const list = await xrpc(P, 'com.atproto.server.listAppPasswords', {
        token: full.accessJwt,
        query: {},
      })
      t.same(
        list.body.passwords?.map((p: Json) => p.name),
        ['phone'],
      )

      const appAgent = new AtpAgent({ service: E })
      await appAgent.login({ identifier: u.handle, password: ap.body.password })
      const post = await appAgent.post({
        text: 'posted with an app password',
        createdAt: new Date().toISOString(),
      })
      t.ok(post.uri)
      const again = await xrpc(P, 'com.atproto.server.createAppPassword', {
        token: appAgent.session!.accessJwt,
        body: { name: 'more' },
      })
      refused(t, again, 'an app password cannot create app passwords at the PDS')
      const againE = await xrpc(E, 'com.atproto.server.createAppPassword', {
        token: appAgent.session!.accessJwt,
        body: { name: 'more' },
      })
      refused(t, againE, 'nor at the Entryway')

      const revoke = await xrpc(P, 'com.atproto.server.revokeAppPassword', {
        token: full.accessJwt,
        body: { name: 'phone' },
      })
      t.equal(revoke.status, 200)
      const r = await xrpc(E, 'com.atproto.server.refreshSession', {
        token: appAgent.session!.refreshJwt,
      })
      t.equal(r.body.error, 'ExpiredToken', 'revoking ends its sessions')
    },
  )

  t.test('email confirmation and 2FA through the mail sink', async (t) => {
    const u = await createAccount('carol')
    const s = (
      await xrpc(E, 'com.atproto.server.createSession', {
        body: { identifier: u.handle, password: u.password },
      })
    ).body
    await mail.clear()
    t.equal(
      (await xrpc(P, 'com.atproto.server.requestEmailConfirmation', { token: s.accessJwt })).status,
      200,
      'forwarded by the PDS',
    )
    const c1 = await code(u.email, /Confirm your email/)
    t.equal(
      (
        await xrpc(P, 'com.atproto.server.confirmEmail', {
          token: s.accessJwt,
          body: { email: u.email, token: c1 },
        })
      ).status,
      200,
    )
    const upd = await xrpc(P, 'com.atproto.server.requestEmailUpdate', { token: s.accessJwt })
    t.same(upd.body, { tokenRequired: true })
    const c2 = await code(u.email, /Change your email/)
    const on = await xrpc(P, 'com.atproto.server.updateEmail', {
      token: s.accessJwt,
      body: { email: u.email, emailAuthFactor: true, token: c2 },
    })
    t.equal(on.status, 200, JSON.stringify(on.body))

    await mail.clear()
    const first = await xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: u.handle, password: u.password },
    })
    t.equal(first.status, 401)
    t.equal(first.body.error, 'AuthFactorTokenRequired')
    const c3 = await code(u.email, /sign-in code/)
    const agent = new AtpAgent({ service: E })
    const res = await agent.login({
      identifier: u.handle,
      password: u.password,
      authFactorToken: c3,
    })
    t.equal(res.data.emailAuthFactor, true)
    t.equal(res.data.emailConfirmed, true)
  })

  t.test('password reset through the mail sink', async (t) => {
    const u = await createAccount('dave')
    const old = (
      await xrpc(E, 'com.atproto.server.createSession', {
        body: { identifier: u.handle, password: u.password },
      })
    ).body
    await mail.clear()
    t.equal(
      (await xrpc(P, 'com.atproto.server.requestPasswordReset', { body: { email: u.email } }))
        .status,
      200,
      'forwarded by the PDS',
    )
    const c = await code(u.email, /Reset your password/)
    t.equal(
      (
        await xrpc(P, 'com.atproto.server.resetPassword', {
          body: { token: c, password: 'brand-new-password' },
        })
      ).status,
      200,
    )
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: u.email, password: u.password },
        })
      ).status,
      401,
    )
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: u.email, password: 'brand-new-password' },
        })
      ).status,
      200,
    )
    t.equal(
      (await xrpc(E, 'com.atproto.server.refreshSession', { token: old.refreshJwt })).body.error,
      'ExpiredToken',
      'old sessions ended',
    )

    // The PDS forwards admin.updateAccountPassword with the Basic admin header it received.
    const basic = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
    const adminSet = await xrpc(P, 'com.atproto.admin.updateAccountPassword', {
      auth: basic,
      body: { did: u.did, password: 'set-by-admin' },
    })
    t.equal(
      adminSet.status,
      200,
      `admin.updateAccountPassword via the PDS ${JSON.stringify(adminSet.body)}`,
    )
    const s2 = await xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: u.handle, password: 'set-by-admin' },
    })
    t.equal(s2.status, 200)

    // PLC operation signed with the Entryway's rotation key, submitted by the PDS.
    await mail.clear()
    const reqSig = await xrpc(P, 'com.atproto.identity.requestPlcOperationSignature', {
      token: s2.body.accessJwt,
    })
    t.equal(
      reqSig.status,
      200,
      `requestPlcOperationSignature via the PDS ${JSON.stringify(reqSig.body)}`,
    )
    const pc = await code(u.email, /identity change/)
    const signed = await xrpc(P, 'com.atproto.identity.signPlcOperation', {
      token: s2.body.accessJwt,
      body: { token: pc },
    })
    t.equal(
      signed.status,
      200,
      `signPlcOperation via the PDS ${JSON.stringify(signed.body).slice(0, 300)}`,
    )
    const submitted = await xrpc(P, 'com.atproto.identity.submitPlcOperation', {
      token: s2.body.accessJwt,
      body: { operation: signed.body.operation },
    })
    t.equal(
      submitted.status,
      200,
      `the PDS accepts and submits the op ${JSON.stringify(submitted.body)}`,
    )
  })

  t.test('deactivate then activate; delete removes the repo and tombstones the DID', async (t) => {
    const u = await createAccount('erin')
    const s = (
      await xrpc(E, 'com.atproto.server.createSession', {
        body: { identifier: u.handle, password: u.password },
      })
    ).body
    const write = () =>
      xrpc(P, 'com.atproto.repo.createRecord', {
        token: s.accessJwt,
        body: {
          repo: u.did,
          collection: 'app.bsky.feed.post',
          record: { text: 'x', createdAt: new Date().toISOString() },
        },
      })
    t.equal((await write()).status, 200)
    const probe = await xrpc(P, 'com.atproto.server.requestEmailConfirmation', {
      token: s.accessJwt,
    })
    t.equal(
      probe.status,
      200,
      `service auth works before the lifecycle calls ${JSON.stringify(probe.body)}`,
    )
    const de = await xrpc(P, 'com.atproto.server.deactivateAccount', {
      token: s.accessJwt,
      body: {},
    })
    t.equal(de.status, 200, `deactivate via the PDS ${JSON.stringify(de.body)}`)
    const status = await xrpc(P, 'com.atproto.sync.getRepoStatus', { query: { did: u.did } })
    t.match(status.body, { active: false, status: 'deactivated' }, 'the PDS knows')
    refused(t, await write(), 'a deactivated repo takes no writes')
    const act = await xrpc(P, 'com.atproto.server.activateAccount', { token: s.accessJwt })
    t.equal(act.status, 200, `activate via the PDS ${JSON.stringify(act.body)}`)
    t.match((await xrpc(P, 'com.atproto.sync.getRepoStatus', { query: { did: u.did } })).body, {
      active: true,
    })
    t.equal((await write()).status, 200, 'writes work again')

    await mail.clear()
    const reqDel = await xrpc(P, 'com.atproto.server.requestAccountDelete', { token: s.accessJwt })
    t.equal(reqDel.status, 200, `requestAccountDelete via the PDS ${JSON.stringify(reqDel.body)}`)
    const c = await code(u.email, /Delete your account/)
    const del = await xrpc(P, 'com.atproto.server.deleteAccount', {
      body: { did: u.did, password: u.password, token: c },
    })
    t.equal(del.status, 200, `deleteAccount via the PDS ${JSON.stringify(del.body)}`)
    const repo = await fetch(`${P}/xrpc/com.atproto.sync.getLatestCommit?did=${u.did}`)
    t.equal(repo.status, 400, 'the repo is gone from the PDS')
    t.match(await repo.json(), { error: 'RepoNotFound' })
    // The lab's did-method-plc answers 404 "DID not available" for a tombstone (plc.directory: 410).
    const last = (await (await fetch(`${fleet.plc.url}/${u.did}/log/last`)).json()) as Json
    t.equal(last.type, 'plc_tombstone', 'the DID is tombstoned on PLC')
    const doc = await fetch(`${fleet.plc.url}/${u.did}`)
    t.ok([404, 410].includes(doc.status), 'its document is gone')
    await doc.arrayBuffer()
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: u.handle, password: u.password },
        })
      ).status,
      401,
    )
  })
})
