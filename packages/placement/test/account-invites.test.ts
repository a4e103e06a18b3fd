import t from 'tap'
import { ADMIN, alice, build, signup } from './helpers.js'

// admin.enable/disableAccountInvites: the Entryway owns invites (a PDS in entryway mode refuses them).

const DISABLE = '/xrpc/com.atproto.admin.disableAccountInvites'
const ENABLE = '/xrpc/com.atproto.admin.enableAccountInvites'

t.test('need Basic admin and a valid body', async (t) => {
  const { app, store } = await build(t)
  const did = (await signup(app, alice)).json().did
  for (const url of [DISABLE, ENABLE]) {
    t.equal((await app.inject({ method: 'POST', url, payload: { account: did } })).statusCode, 401)
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url,
          headers: { authorization: wrong },
          payload: { account: did },
        })
      ).statusCode,
      401,
    )
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url,
          headers: { authorization: `Bearer user:${did}` },
          payload: { account: did },
        })
      ).statusCode,
      401,
    )
    for (const payload of [{}, { account: 'alice.test' }, { account: did, note: 5 }]) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { authorization: ADMIN },
        payload,
      })
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.equal(res.json().error, 'InvalidRequest')
    }
    const unknown = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: ADMIN },
      payload: { account: 'did:plc:nobodynobodynobody' },
    })
    t.equal(unknown.json().error, 'AccountNotFound')
  }
  t.notOk((await store.getByDid(did))?.invitesDisabled, 'nothing changed')
})

t.test(
  'disable then enable flips the flag; existing codes keep working, admins can still give codes',
  async (t) => {
    const { app, store } = await build(t)
    const did = (await signup(app, alice)).json().did
    const gift = async () =>
      (
        await app.inject({
          method: 'POST',
          url: '/xrpc/com.atproto.server.createInviteCode',
          headers: { authorization: ADMIN },
          payload: { useCount: 1, forAccount: did },
        })
      ).json().code as string
    const before = await gift()

    const off = await app.inject({
      method: 'POST',
      url: DISABLE,
      headers: { authorization: ADMIN },
      payload: { account: did, note: 'spam wave' },
    })
    t.equal(off.statusCode, 200)
    t.equal((await store.getByDid(did))?.invitesDisabled, true)
    const listed = await app.inject({
      url: '/xrpc/com.entryway.admin.listAccounts',
      headers: { authorization: ADMIN },
    })
    t.match(listed.json().accounts, [{ did, invitesDisabled: true }], 'operators see it')

    const after = await gift()
    t.ok(after, 'admin gifts still work (as on a PDS)')
    const mine = await app.inject({
      url: '/xrpc/com.atproto.server.getAccountInviteCodes',
      headers: { authorization: `Bearer user:${did}` },
    })
    t.same(
      mine
        .json()
        .codes.map((c: { code: string }) => c.code)
        .sort(),
      [before, after].sort(),
      'existing codes are not invalidated',
    )
    const used = await signup(app, {
      handle: 'bob.test',
      email: 'bob@example.com',
      password: 'pw',
      inviteCode: before,
    })
    t.equal(used.statusCode, 200, 'a code of the account still signs someone up')

    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: ENABLE,
          headers: { authorization: ADMIN },
          payload: { account: did },
        })
      ).statusCode,
      200,
    )
    t.equal((await store.getByDid(did))?.invitesDisabled, false)
  },
)

t.test('getAccountInviteCodes leaves disabled codes out, as the PDS does', async (t) => {
  const { app } = await build(t)
  const did = (await signup(app, alice)).json().did
  const mk = async () =>
    (
      await app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.server.createInviteCode',
        headers: { authorization: ADMIN },
        payload: { useCount: 1, forAccount: did },
      })
    ).json().code as string
  const [a, b] = [await mk(), await mk()]
  await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.admin.disableInviteCodes',
    headers: { authorization: ADMIN },
    payload: { codes: [a] },
  })
  const mine = await app.inject({
    url: '/xrpc/com.atproto.server.getAccountInviteCodes',
    headers: { authorization: `Bearer user:${did}` },
  })
  t.same(
    mine.json().codes.map((c: { code: string }) => c.code),
    [b],
  )
})
