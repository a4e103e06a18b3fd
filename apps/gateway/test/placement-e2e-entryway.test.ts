import t from 'tap'
import http from 'node:http'
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import * as plcLib from '@did-plc/lib'
import { startFleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// The reference PDS's entryway.test.ts scenarios (packages/pds/tests/entryway.test.ts), against a
// real PDS and PLC in their own processes, then failure at each step of createAccount.

type Json = Record<string, any>
async function xrpc(
  base: string,
  nsid: string,
  o: {
    token?: string
    body?: unknown
    query?: Record<string, string>
    headers?: Record<string, string>
  } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const res = await fetch(url, {
    method: o.body !== undefined ? 'POST' : 'GET',
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

/** GET with a chosen Host header (fetch drops it; node:http keeps it). */
function getWithHost(url: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host }, timeout: 10_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

t.test('entryway scenarios against a real PDS', async (t) => {
  const fleet = await startFleet({ pdsCount: 1, gateway: false, mail: false })
  t.teardown(() => fleet.stop())
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), { logger: process.env.E2E_LOG === '1' })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  const E = fleet.entryway.url
  const pds = fleet.pds[0]!
  const P = pds.url
  const db = gw.database.db
  const admin = {
    authorization: `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`,
  }
  const plc = new plcLib.Client(fleet.plc.url)

  let alice = ''
  let accessJwt = ''

  await t.test('creates account (and the seeded host was enabled and found healthy)', async (t) => {
    const hosts = await db.selectFrom('pds_host').selectAll().execute()
    t.match(hosts, [{ url: P, did: pds.did, status: 'enabled', healthy: true }])
    const agent = new AtpAgent({ service: E })
    const res = await agent.createAccount({
      email: 'alice@test.com',
      handle: 'alice.test',
      password: 'test123',
    })
    alice = res.data.did
    accessJwt = res.data.accessJwt
    t.match(alice, /^did:plc:/)
    t.equal(res.data.handle, 'alice.test')
    t.equal(agent.pdsUrl?.origin, P, 'the didDoc sends the client to its PDS')
    const info = await xrpc(P, 'com.atproto.admin.getAccountInfo', {
      query: { did: alice },
      headers: admin,
    })
    t.equal(info.status, 200)
    t.equal(info.body.handle, 'alice.test', 'the PDS holds the account')
    const row = await db
      .selectFrom('account')
      .selectAll()
      .where('did', '=', alice)
      .executeTakeFirstOrThrow()
    t.match(row, { handle: 'alice.test', email: 'alice@test.com', status: 'active' })
    const doc = await plc.getDocumentData(alice)
    t.equal(
      doc.rotationKeys.at(-1),
      fleet.keys.plcRotation.did,
      'the Entryway rotation key controls the DID',
    )
    t.equal(doc.services.atproto_pds?.endpoint, P)
  })

  await t.test('auths with both services', async (t) => {
    const atPds = await xrpc(P, 'com.atproto.server.getSession', { token: accessJwt })
    const atEntryway = await xrpc(E, 'com.atproto.server.getSession', { token: accessJwt })
    t.equal(atPds.status, 200, 'the PDS accepts the Entryway token')
    t.equal(atEntryway.status, 200)
    t.same(atEntryway.body, atPds.body)
    t.equal(atPds.body.did, alice)
  })

  await t.test('updates handle from pds (forwarded with service auth)', async (t) => {
    const res = await xrpc(P, 'com.atproto.identity.updateHandle', {
      token: accessJwt,
      body: { handle: 'alice2.test' },
    })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.same((await plc.getDocumentData(alice)).alsoKnownAs, ['at://alice2.test'])
    const info = await xrpc(P, 'com.atproto.admin.getAccountInfo', {
      query: { did: alice },
      headers: admin,
    })
    t.equal(info.body.handle, 'alice2.test', 'PDS updated')
    t.equal(
      (
        await db
          .selectFrom('account')
          .select('handle')
          .where('did', '=', alice)
          .executeTakeFirstOrThrow()
      ).handle,
      'alice2.test',
    )
    t.same(
      (await xrpc(P, 'com.atproto.identity.resolveHandle', { query: { handle: 'alice2.test' } }))
        .body,
      { did: alice },
    )
  })

  await t.test('updates handle from entryway', async (t) => {
    const res = await xrpc(E, 'com.atproto.identity.updateHandle', {
      token: accessJwt,
      body: { handle: 'alice3.test' },
    })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.same((await plc.getDocumentData(alice)).alsoKnownAs, ['at://alice3.test'])
    const info = await xrpc(P, 'com.atproto.admin.getAccountInfo', {
      query: { did: alice },
      headers: admin,
    })
    t.equal(info.body.handle, 'alice3.test')
    t.same(
      (await xrpc(E, 'com.atproto.identity.resolveHandle', { query: { handle: 'alice3.test' } }))
        .body,
      { did: alice },
    )
  })

  await t.test(
    'updateHandle refuses bad and taken handles, and a service token naming another did',
    async (t) => {
      const bad = await xrpc(E, 'com.atproto.identity.updateHandle', {
        token: accessJwt,
        body: { handle: 'admin.test' },
      })
      t.equal(bad.body.error, 'HandleNotAvailable')
      const otherDid = await xrpc(E, 'com.atproto.identity.updateHandle', {
        token: accessJwt,
        body: { handle: 'zed.test', did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' },
      })
      t.equal(otherDid.status, 403)
      const noAuth = await xrpc(E, 'com.atproto.identity.updateHandle', {
        body: { handle: 'zed.test' },
      })
      t.equal(noAuth.status, 401)
    },
  )

  await t.test('resolves handle of local account via entryway (the PDS asks us)', async (t) => {
    t.same(
      (await xrpc(P, 'com.atproto.identity.resolveHandle', { query: { handle: 'alice3.test' } }))
        .body,
      { did: alice },
    )
  })

  await t.test('does not resolve a handle only the PDS knows', async (t) => {
    // local divergence: the PDS's actor row says one thing, the Entryway another
    const r = await xrpc(P, 'com.atproto.admin.updateAccountHandle', {
      headers: admin,
      body: { did: alice, handle: 'alice-diverged.test' },
    })
    // the PDS checks the DID document first and refuses; either way the Entryway stays authoritative
    const res = await xrpc(P, 'com.atproto.identity.resolveHandle', {
      query: { handle: 'alice-diverged.test' },
    })
    t.equal(res.status, 400, `diverged handle not resolved (admin update answered ${r.status})`)
    t.match(res.body.message, /Unable to resolve handle/)
  })

  await t.test('resolves handle of account behind entryway on another pds', async (t) => {
    const now = new Date().toISOString()
    const host = await db.selectFrom('pds_host').select('id').executeTakeFirstOrThrow()
    await db
      .insertInto('account')
      .values({
        did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
        handle: 'sibling.test',
        email: null,
        emailConfirmedAt: null,
        emailAuthFactor: false,
        passwordScrypt: null,
        hostId: host.id,
        status: 'active',
        takedownRef: null,
        deactivatedAt: null,
        invitesDisabled: false,
        createdAt: now,
        updatedAt: now,
      })
      .execute()
    t.same(
      (await xrpc(P, 'com.atproto.identity.resolveHandle', { query: { handle: 'sibling.test' } }))
        .body,
      { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' },
    )
  })

  await t.test('fails to resolve unknown handle on service domain', async (t) => {
    const viaPds = await xrpc(P, 'com.atproto.identity.resolveHandle', {
      query: { handle: 'nonexistent.test' },
    })
    t.equal(viaPds.status, 400)
    t.match(viaPds.body.message, /Unable to resolve handle/)
    const direct = await xrpc(E, 'com.atproto.identity.resolveHandle', {
      query: { handle: 'nonexistent.test' },
    })
    t.match(direct, { status: 400, body: { error: 'HandleNotFound' } })
  })

  await t.test('defers handle resolution over well-known to entryway', async (t) => {
    const atPds = await getWithHost(`${P}/.well-known/atproto-did`, 'alice3.test')
    t.equal(atPds.status, 404)
    const atEntryway = await getWithHost(`${E}/.well-known/atproto-did`, 'alice3.test')
    t.equal(atEntryway.status, 200)
    t.equal(atEntryway.text, alice)
    const unknown = await getWithHost(`${E}/.well-known/atproto-did`, 'nobody.test')
    t.equal(unknown.status, 404)
    t.equal(unknown.text, 'User not found')
  })

  await t.test('does not allow bringing own op to account creation', async (t) => {
    const key = await xrpc(P, 'com.atproto.server.reserveSigningKey', { body: {} })
    const rotationKey = await Secp256k1Keypair.create()
    const op = await plcLib.createOp({
      signingKey: key.body.signingKey,
      rotationKeys: [rotationKey.did(), fleet.keys.plcRotation.did],
      handle: 'weirdalice.test',
      pds: P,
      signer: rotationKey,
    })
    const res = await xrpc(P, 'com.atproto.server.createAccount', {
      body: { did: op.did, plcOp: op.op, handle: 'weirdalice.test' },
    })
    t.equal(res.status, 400)
    t.match(res.body.message, /invalid plc operation/)
    const atEntryway = await xrpc(E, 'com.atproto.server.createAccount', {
      body: {
        handle: 'weirdalice.test',
        email: 'w@test.com',
        password: 'pw',
        did: op.did,
        plcOp: op.op,
      },
    })
    t.equal(atEntryway.status, 400, 'the Entryway refuses a brought op too')
  })

  const liveRows = () =>
    db
      .selectFrom('account_creation')
      .select(['handle', 'state', 'error', 'did'])
      .orderBy('createdAt', 'desc')
      .execute()

  await t.test('PDS rejects → 502, nothing created, handle free', async (t) => {
    // a host row whose URL is not the PDS's public URL: the PDS refuses the DID document
    gw.app.entrywayPlacement.health.reschedule(0)
    const now = new Date().toISOString()
    await db.updateTable('pds_host').set({ status: 'draining' }).execute()
    const wrong = await db
      .insertInto('pds_host')
      .values({
        url: P.replace('localhost', '127.0.0.1'),
        did: 'did:web:wrong',
        status: 'enabled',
        healthy: true,
        createdAt: now,
        updatedAt: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle: 'rejected.test', email: 'rej@test.com', password: 'pw' },
    })
    t.equal(res.status, 502)
    t.equal(res.body.error, 'UpstreamFailure')
    const [row] = await liveRows()
    t.match(row, { handle: 'rejected.test', state: 'failed' })
    // only PLC's 404 means absent: any other failure of the lookup is not evidence of anything
    const plcStatus = await plc.getDocumentData(row!.did!).then(
      () => 200,
      (err: { status?: number }) => err.status,
    )
    t.equal(plcStatus, 404, 'nothing in PLC')
    t.equal(
      (
        await xrpc(P, 'com.atproto.admin.getAccountInfo', {
          query: { did: row!.did! },
          headers: admin,
        })
      ).status,
      400,
      'nothing on the PDS',
    )
    await db
      .updateTable('pds_host')
      .set({ status: 'disabled' })
      .where('id', '=', wrong.id)
      .execute()
    await db
      .updateTable('pds_host')
      .set({ status: 'enabled' })
      .where('id', '!=', wrong.id)
      .execute()
  })

  await t.test('PLC down → the PDS cannot create → 502, no account, handle free', async (t) => {
    await fleet.plc.stop()
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle: 'noplc.test', email: 'noplc@test.com', password: 'pw' },
    })
    t.ok(res.status === 502 || res.status === 504, `status ${res.status}`)
    const [row] = await liveRows()
    t.match(row, { handle: 'noplc.test', state: 'failed' })
    t.equal(
      (
        await xrpc(P, 'com.atproto.admin.getAccountInfo', {
          query: { did: row!.did! },
          headers: admin,
        })
      ).status,
      400,
      'nothing on the PDS',
    )
    t.notOk(
      await db
        .selectFrom('account')
        .select('did')
        .where('handle', '=', 'noplc.test')
        .executeTakeFirst(),
    )
  })

  await t.test('PDS down → 502, no account, handle free', async (t) => {
    await pds.stop()
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle: 'nopds.test', email: 'nopds@test.com', password: 'pw' },
    })
    t.equal(res.status, 502)
    const [row] = await liveRows()
    t.match(row, { handle: 'nopds.test', state: 'failed' })
    t.notOk(
      await db
        .selectFrom('account')
        .select('did')
        .where('handle', '=', 'nopds.test')
        .executeTakeFirst(),
    )
    t.equal(
      (
        await db
          .selectFrom('pds_host')
          .select('healthy')
          .where('url', '=', P)
          .executeTakeFirstOrThrow()
      ).healthy,
      false,
      'the refused host is marked unhealthy',
    )
    const again = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle: 'nopds.test', email: 'nopds@test.com', password: 'pw' },
    })
    t.equal(again.status, 503, 'no healthy host left: 503, and the handle was not held')
  })
})
