// @serial-test: real PDS and PLC processes (hold /tmp/entryway-e2e.lock)
import t from 'tap'
import * as plcLib from '@did-plc/lib'
import {
  blobHashOn,
  decodeJwt,
  makeUser,
  recordsOn,
  startMoveFleet,
  waitMove,
  xrpc,
} from './moves-helpers.js'

t.setTimeout(300_000)

// Issue 15, "move within the fleet": one account with records, blobs and preferences moves from
// one real PDS to another through com.entryway.admin.moveAccount.

t.test(
  'an account moves between two real PDSes with its records, blobs, preferences and session',
  async (t) => {
    const { fleet, gw, E, admin } = await startMoveFleet(t)
    const [pds1, pds2] = fleet.pds as [(typeof fleet.pds)[0], (typeof fleet.pds)[0]]
    const plc = new plcLib.Client(fleet.plc.url)
    const db = gw.database.db
    const hostOf = async (did: string) =>
      (
        await db
          .selectFrom('account')
          .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
          .select('pds_host.url')
          .where('account.did', '=', did)
          .executeTakeFirstOrThrow()
      ).url

    const u = await makeUser(E, { records: 30, blobs: 3 })
    const source = await hostOf(u.did)
    const target = source === pds1.url ? pds2.url : pds1.url
    const before = await recordsOn(source, u.did)
    t.equal(before.size, 33, 'the account holds 30 posts and 3 file records')
    const oldToken = u.accessJwt
    t.equal(decodeJwt(oldToken).aud, (source === pds1.url ? pds1 : pds2).did)

    const started = await xrpc(E, 'com.entryway.admin.moveAccount', {
      auth: admin,
      body: { account: u.handle, to: target },
    })
    t.equal(started.status, 200, JSON.stringify(started.body))
    const again = await xrpc(E, 'com.entryway.admin.moveAccount', {
      auth: admin,
      body: { account: u.did, to: target },
    })
    t.equal(again.body.error, 'AlreadyMoving', 'one live move per account')
    t.equal(again.status, 400)

    // while it moves, the account's requests through the Entryway get a retryable refusal, never a 5xx other than 503
    const seen = new Set<string>()
    const retryAfter = new Set<string | null>()
    let moving = true
    const probe = (async () => {
      while (moving) {
        const r = await xrpc(E, 'com.atproto.repo.createRecord', {
          token: oldToken,
          body: {
            repo: u.did,
            collection: 'app.bsky.feed.post',
            record: {
              $type: 'app.bsky.feed.post',
              text: 'during',
              createdAt: new Date().toISOString(),
            },
          },
        })
        seen.add(`${r.status} ${r.body.error ?? 'ok'}`)
        if (r.status === 503) retryAfter.add(r.headers.get('retry-after'))
        if (r.status === 200) before.set(r.body.uri.split('/').slice(-2).join('/'), r.body.cid)
        await new Promise((res) => setTimeout(res, 20))
      }
    })()
    const done = await waitMove(E, admin, started.body.move.id)
    moving = false
    await probe
    t.equal(done.state, 'done', `move finished: ${JSON.stringify(done)}`)
    t.same([...retryAfter], ['2'], 'AccountMoving says when to retry')
    t.ok(
      seen.has('503 AccountMoving'),
      `writes during the freeze were refused with AccountMoving (${[...seen].join(', ')})`,
    )
    for (const s of seen)
      t.ok(
        ['200 ok', '503 AccountMoving', '400 ExpiredToken'].includes(s),
        `only acknowledged, AccountMoving or ExpiredToken answers: ${s}`,
      )

    t.equal(await hostOf(u.did), target, 'the routing row names the target')
    t.equal(
      (await plc.getDocumentData(u.did)).services.atproto_pds?.endpoint,
      target,
      'the DID document names the target',
    )
    t.same(
      Object.fromEntries(await recordsOn(target, u.did)),
      Object.fromEntries(before),
      'every record (and every acknowledged write) is on the target with its CID',
    )
    for (const [cid, hash] of u.blobs)
      t.equal(
        await blobHashOn(target, u.did, cid),
        hash,
        `blob ${cid.slice(0, 12)}… byte-identical on the target`,
      )
    const gone = await xrpc(source, 'com.atproto.admin.getSubjectStatus', {
      auth: admin,
      query: { did: u.did },
    })
    t.equal(gone.body.error, 'NotFound', 'the source copy is deleted')

    // sessions: the old host's access token is expired; a refresh gives one for the new host.
    // The gate learns that the freeze ended on its next refresh: until then it still answers
    // AccountMoving (retryable), so wait for that to pass before asserting (a loaded CI lags).
    let stale = await xrpc(E, 'app.bsky.actor.getPreferences', { token: oldToken })
    for (
      const until = Date.now() + 15_000;
      stale.body.error === 'AccountMoving' && Date.now() < until;
    ) {
      await new Promise((r) => setTimeout(r, 250))
      stale = await xrpc(E, 'app.bsky.actor.getPreferences', { token: oldToken })
    }
    t.equal(stale.status, 400)
    t.equal(stale.body.error, 'ExpiredToken', 'an access token for the old host gets ExpiredToken')
    const refreshed = await xrpc(E, 'com.atproto.server.refreshSession', {
      auth: `Bearer ${u.refreshJwt}`,
      post: true,
    })
    t.equal(refreshed.status, 200, JSON.stringify(refreshed.body))
    t.equal(
      decodeJwt(refreshed.body.accessJwt).aud,
      (target === pds1.url ? pds1 : pds2).did,
      'the refreshed access token is for the target',
    )
    const prefs = await xrpc(E, 'app.bsky.actor.getPreferences', {
      token: refreshed.body.accessJwt,
    })
    t.same(
      prefs.body.preferences,
      [{ $type: 'app.bsky.actor.defs#adultContentPref', enabled: true }],
      'preferences came along',
    )
    const write = await xrpc(E, 'com.atproto.repo.createRecord', {
      token: refreshed.body.accessJwt,
      body: {
        repo: u.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'after', createdAt: new Date().toISOString() },
      },
    })
    t.equal(write.status, 200, `writes work on the new host: ${JSON.stringify(write.body)}`)
    t.ok((await recordsOn(target, u.did)).has(write.body.uri.split('/').slice(-2).join('/')))

    // the handle keeps resolving, at the Entryway and at the target PDS
    t.same(
      (await xrpc(E, 'com.atproto.identity.resolveHandle', { query: { handle: u.handle } })).body,
      { did: u.did },
    )
    t.same(
      (await xrpc(target, 'com.atproto.identity.resolveHandle', { query: { handle: u.handle } }))
        .body,
      { did: u.did },
    )
    const login = await xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: u.handle, password: u.password },
    })
    t.equal(login.status, 200, 'the password (kept by the Entryway) still signs in')
    t.equal(decodeJwt(login.body.accessJwt).aud, (target === pds1.url ? pds1 : pds2).did)
  },
)
