import t from 'tap'
import { createServer, type Server } from 'node:http'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { lexicons } from '@atproto/api'
import { Client as PlcClient, didForCreateOp, signOperation } from '@did-plc/lib'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from './in-process-gateway.js'
import { main as admin } from '../src/bin/admin.js'

// Issue 16 (part A) through HTTP against a real gateway, two real PDSes in entryway mode and a
// real PLC: every com.atproto.admin.* method with Basic admin, the moderator methods with a
// moderation service's JWT (a PLC DID this test registers), relays asked to crawl, and
// pdsadmin's commands through `entryway-admin`.

t.setTimeout(300_000)

type Json = Record<string, any>
async function xrpc(
  base: string,
  nsid: string,
  o: { auth?: string; body?: unknown; query?: Record<string, string | string[]> } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {}))
    for (const one of typeof v === 'string' ? [v] : v) url.searchParams.append(k, one)
  const res = await fetch(url, {
    method: o.body !== undefined ? 'POST' : 'GET',
    headers: {
      ...(o.auth ? { authorization: o.auth } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
}

t.test('admin XRPC, moderation services, relays and the CLI against a real fleet', async (t) => {
  // The moderation service: a PLC DID (on the fleet's PLC, below) whose document names a labeler
  // key (#atproto_label) and another key (#atproto); tokens from `<did>#atproto_labeler` must be
  // signed with the first, tokens from the bare DID with the second.
  const labelKey = await Secp256k1Keypair.create()
  const atprotoKey = await Secp256k1Keypair.create()
  const strangerKey = await Secp256k1Keypair.create()

  // A relay that records requestCrawl; the first answer to each hostname is a 503 (retried).
  const crawls: Array<{ hostname: string; at: number }> = []
  const failedOnce = new Set<string>()
  const relay = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.url !== '/xrpc/com.atproto.sync.requestCrawl' || req.method !== 'POST')
        return void res.writeHead(404).end()
      const { hostname } = JSON.parse(body || '{}') as { hostname: string }
      if (!failedOnce.has(hostname)) {
        failedOnce.add(hostname)
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":"NotReady"}')
      }
      crawls.push({ hostname, at: Date.now() })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  const relayUrl = `http://127.0.0.1:${await listen(relay)}`
  t.teardown(() => relay.close())
  const secondRelayHits: string[] = []
  const relay2 = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      secondRelayHits.push(JSON.parse(body || '{}').hostname)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  const relay2Url = `http://127.0.0.1:${await listen(relay2)}`
  t.teardown(() => relay2.close())

  const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: true })
  t.teardown(() => fleet.stop())
  const rotation = await Secp256k1Keypair.create()
  const genesis = await signOperation(
    {
      type: 'plc_operation',
      rotationKeys: [rotation.did()],
      verificationMethods: { atproto: atprotoKey.did(), atproto_label: labelKey.did() },
      alsoKnownAs: [],
      services: {
        atproto_labeler: { type: 'AtprotoLabeler', endpoint: 'https://mod.example.test' },
      },
      prev: null,
    },
    rotation,
  )
  const modDid = await didForCreateOp(genesis)
  await new PlcClient(fleet.plc.url).sendOperation(modDid, genesis)
  await listenOnFleet(t, {
    ...fleet,
    gatewayEnv: {
      ...fleet.gatewayEnv,
      ENTRYWAY_MOD_SERVICE_DIDS: modDid,
      ENTRYWAY_CRAWLERS: relayUrl,
      // this test presents many bad credentials on purpose
      ENTRYWAY_RATE_LIMIT_ADMIN_PASSWORD_FAILURES: '100/15m',
    },
  })
  const E = fleet.entryway.url
  const ADMIN = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
  const WRONG = `Basic ${Buffer.from('admin:wrong').toString('base64')}`
  const mod = async (
    lxm: string,
    o: { iss?: string; aud?: string; key?: Secp256k1Keypair; exp?: number } = {},
  ) =>
    `Bearer ${await createServiceJwt({ iss: o.iss ?? `${modDid}#atproto_labeler`, aud: o.aud ?? fleet.entryway.did, lxm, keypair: o.key ?? labelKey, ...(o.exp ? { exp: o.exp } : {}) })}`
  const cli = (...args: string[]) => admin([...args, '--url', E, '--password', fleet.adminPassword])

  let n = 0
  async function createAccount(name: string) {
    const handle = `${name}${Date.now().toString(36)}${n++}.test`
    const body = {
      handle,
      email: `${handle.replace(/\./g, '-')}@mail.test`,
      password: `pw-${handle}`,
    }
    const res = await xrpc(E, 'com.atproto.server.createAccount', { body })
    t.equal(res.status, 200, `createAccount ${res.status === 200 ? '' : JSON.stringify(res.body)}`)
    return { did: res.body.did as string, handle, email: body.email, password: body.password }
  }
  const a = await createAccount('alice')
  const b = await createAccount('bob')
  const hostOf = async (did: string) =>
    (
      await xrpc(E, 'com.entryway.admin.listAccounts', { auth: ADMIN, query: { limit: '1000' } })
    ).body.accounts.find((x: Json) => x.did === did)?.hostId
  t.not(await hostOf(a.did), await hostOf(b.did), 'the two accounts sit on different hosts')

  t.test(
    'Basic admin: 401 without or with a wrong password; 501 only after authentication',
    async (t) => {
      for (const nsid of [
        'com.atproto.admin.getAccountInfo',
        'com.atproto.admin.searchAccounts',
        'com.atproto.admin.getAccountInfos',
      ]) {
        t.equal(
          (await xrpc(E, nsid, { query: { did: a.did, dids: a.did } })).status,
          401,
          `${nsid} anonymous`,
        )
      }
      t.equal(
        (await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth: WRONG, query: { did: a.did } }))
          .status,
        401,
        'wrong password',
      )
      const anon = await xrpc(E, 'com.atproto.admin.updateAccountSigningKey', {
        body: { did: a.did, signingKey: 'did:key:x' },
      })
      t.equal(anon.status, 401, 'a method the PDS lacks: 401 before authentication')
      const authed = await xrpc(E, 'com.atproto.admin.updateAccountSigningKey', {
        auth: ADMIN,
        body: { did: a.did, signingKey: 'did:key:x' },
      })
      t.equal(authed.status, 501, 'and 501 after it')
      t.equal(authed.body.error, 'MethodNotImplemented')
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.getAccountInfo', {
            auth: ADMIN,
            query: { did: 'did:plc:nobodynobodynobodynobody' },
          })
        ).body.error,
        'NotFound',
      )
    },
  )

  t.test(
    'getAccountInfo(s) and searchAccounts: Entryway data merged with each PDS, across hosts',
    async (t) => {
      const info = await xrpc(E, 'com.atproto.admin.getAccountInfo', {
        auth: ADMIN,
        query: { did: a.did },
      })
      t.equal(info.status, 200, JSON.stringify(info.body))
      t.match(info.body, {
        did: a.did,
        handle: a.handle,
        email: a.email,
        invitesDisabled: false,
        invites: [],
      })
      t.ok(info.body.indexedAt, 'indexedAt')
      t.doesNotThrow(
        () => lexicons.assertValidXrpcOutput('com.atproto.admin.getAccountInfo', info.body),
        'a valid accountView',
      )

      // deactivation is known to the PDS (and the Entryway mirrors it)
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
            auth: ADMIN,
            body: {
              subject: { $type: 'com.atproto.admin.defs#repoRef', did: b.did },
              deactivated: { applied: true },
            },
          })
        ).status,
        200,
      )
      const infos = await xrpc(E, 'com.atproto.admin.getAccountInfos', {
        auth: ADMIN,
        query: { dids: [a.did, b.did, 'did:plc:nobodynobodynobodynobody'] },
      })
      t.equal(infos.status, 200, JSON.stringify(infos.body))
      t.same(
        infos.body.infos.map((i: Json) => i.did).sort(),
        [a.did, b.did].sort(),
        'both hosts answered; the unknown DID is left out',
      )
      t.ok(infos.body.infos.find((i: Json) => i.did === b.did).deactivatedAt, 'deactivatedAt')
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
            auth: ADMIN,
            body: {
              subject: { $type: 'com.atproto.admin.defs#repoRef', did: b.did },
              deactivated: { applied: false },
            },
          })
        ).status,
        200,
      )

      const byEmail = await xrpc(E, 'com.atproto.admin.searchAccounts', {
        auth: ADMIN,
        query: { email: a.email.slice(0, 8) },
      })
      t.equal(byEmail.status, 200)
      t.ok(
        byEmail.body.accounts.some((x: Json) => x.did === a.did),
        'found by email prefix',
      )
      t.notOk(
        byEmail.body.accounts.some((x: Json) => x.did === b.did),
        'not the other one',
      )
      const byHandle = await xrpc(E, 'com.atproto.admin.searchAccounts', {
        auth: ADMIN,
        query: { email: b.handle.slice(0, 6) },
      })
      t.ok(
        byHandle.body.accounts.some((x: Json) => x.did === b.did),
        'found by handle prefix',
      )
      const seen: string[] = []
      let cursor: string | undefined
      for (let i = 0; i < 10; i++) {
        const page = await xrpc(E, 'com.atproto.admin.searchAccounts', {
          auth: ADMIN,
          query: { limit: '1', ...(cursor ? { cursor } : {}) },
        })
        t.equal(page.status, 200)
        seen.push(...page.body.accounts.map((x: Json) => x.did))
        cursor = page.body.cursor
        if (!cursor) break
      }
      t.ok(seen.includes(a.did) && seen.includes(b.did), 'cursor pages reach every account')
      t.equal(new Set(seen).size, seen.length, 'no account twice')
      t.equal(
        (await xrpc(E, 'com.atproto.admin.searchAccounts', { auth: ADMIN, query: { limit: '0' } }))
          .status,
        400,
        'a bad limit is 400',
      )
    },
  )

  t.test(
    'updateAccountHandle, updateAccountEmail, updateAccountPassword, invites, sendEmail',
    async (t) => {
      const handle = `renamed${Date.now().toString(36)}.test`
      const up = await xrpc(E, 'com.atproto.admin.updateAccountHandle', {
        auth: ADMIN,
        body: { did: a.did, handle },
      })
      t.equal(up.status, 200, JSON.stringify(up.body))
      t.equal(
        (await xrpc(E, 'com.atproto.identity.resolveHandle', { query: { handle } })).body.did,
        a.did,
        'the Entryway resolves the new handle',
      )
      const doc = (await (
        await fetch(`${fleet.plc.url}/${a.did}`, { signal: AbortSignal.timeout(10_000) })
      ).json()) as Json
      t.same(doc.alsoKnownAs, [`at://${handle}`], 'PLC has it')
      t.equal(
        (await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth: ADMIN, query: { did: a.did } }))
          .body.handle,
        handle,
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateAccountHandle', {
            auth: ADMIN,
            body: { did: a.did, handle: b.handle },
          })
        ).body.error,
        'HandleNotAvailable',
      )
      a.handle = handle

      const email = `new-${Date.now().toString(36)}@mail.test`
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateAccountEmail', {
            auth: ADMIN,
            body: { account: a.did, email },
          })
        ).status,
        200,
      )
      t.equal(
        (await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth: ADMIN, query: { did: a.did } }))
          .body.email,
        email,
      )

      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateAccountPassword', {
            auth: ADMIN,
            body: { did: a.did, password: 'brand-new-pw-1' },
          })
        ).status,
        200,
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.createSession', {
            body: { identifier: a.handle, password: 'brand-new-pw-1' },
          })
        ).status,
        200,
        'the new password signs in',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.createSession', {
            body: { identifier: a.handle, password: a.password },
          })
        ).status,
        401,
        'the old one does not',
      )
      a.password = 'brand-new-pw-1'

      const code = (
        await xrpc(E, 'com.atproto.server.createInviteCode', {
          auth: ADMIN,
          body: { useCount: 2, forAccount: a.did },
        })
      ).body.code as string
      t.ok(code)
      t.match(
        (await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth: ADMIN, query: { did: a.did } }))
          .body.invites,
        [{ code, available: 2, disabled: false }],
        'the account view lists its invites',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.disableInviteCodes', {
            auth: ADMIN,
            body: { codes: [code] },
          })
        ).status,
        200,
      )
      const listed = await xrpc(E, 'com.atproto.admin.getInviteCodes', {
        auth: ADMIN,
        query: { limit: '500' },
      })
      t.match(
        listed.body.codes.find((c: Json) => c.code === code),
        { disabled: true },
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.disableAccountInvites', {
            auth: ADMIN,
            body: { account: a.did },
          })
        ).status,
        200,
      )
      t.equal(
        (await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth: ADMIN, query: { did: a.did } }))
          .body.invitesDisabled,
        true,
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.enableAccountInvites', {
            auth: ADMIN,
            body: { account: a.did },
          })
        ).status,
        200,
      )

      const mail = await xrpc(E, 'com.atproto.admin.sendEmail', {
        auth: ADMIN,
        body: {
          recipientDid: a.did,
          senderDid: 'did:example:mod',
          content: 'hello',
          subject: 'hi',
        },
      })
      t.same(mail, { status: 200, body: { sent: true } })
    },
  )

  t.test(
    'moderation service JWTs: exactly the moderator methods, verified against the did:web document',
    async (t) => {
      const info = await xrpc(E, 'com.atproto.admin.getAccountInfo', {
        auth: await mod('com.atproto.admin.getAccountInfo'),
        query: { did: b.did },
      })
      t.equal(info.status, 200, `getAccountInfo ${JSON.stringify(info.body)}`)
      t.equal(info.body.did, b.did)
      const infos = await xrpc(E, 'com.atproto.admin.getAccountInfos', {
        auth: await mod('com.atproto.admin.getAccountInfos'),
        query: { dids: [b.did] },
      })
      t.equal(infos.status, 200, 'getAccountInfos')

      const subject = { $type: 'com.atproto.admin.defs#repoRef', did: b.did }
      const down = await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
        auth: await mod('com.atproto.admin.updateSubjectStatus'),
        body: { subject, takedown: { applied: true, ref: 'OZONE-1' } },
      })
      t.equal(down.status, 200, `takedown by the moderation service ${JSON.stringify(down.body)}`)
      const st = await xrpc(E, 'com.atproto.admin.getSubjectStatus', {
        auth: await mod('com.atproto.admin.getSubjectStatus'),
        query: { did: b.did },
      })
      t.match(st.body, { takedown: { applied: true, ref: 'OZONE-1' } }, 'the PDS has it')
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.createSession', {
            body: { identifier: b.handle, password: b.password },
          })
        ).body.error,
        'AccountTakedown',
        'and the Entryway',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.updateSubjectStatus', {
            auth: await mod('com.atproto.admin.updateSubjectStatus'),
            body: { subject, takedown: { applied: false } },
          })
        ).status,
        200,
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.server.createSession', {
            body: { identifier: b.handle, password: b.password },
          })
        ).status,
        200,
        'reversed',
      )

      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.getInviteCodes', {
            auth: await mod('com.atproto.admin.getInviteCodes'),
          })
        ).status,
        200,
        'getInviteCodes',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.disableAccountInvites', {
            auth: await mod('com.atproto.admin.disableAccountInvites'),
            body: { account: b.did },
          })
        ).status,
        200,
        'disableAccountInvites',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.enableAccountInvites', {
            auth: await mod('com.atproto.admin.enableAccountInvites'),
            body: { account: b.did },
          })
        ).status,
        200,
        'enableAccountInvites',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.disableInviteCodes', {
            auth: await mod('com.atproto.admin.disableInviteCodes'),
            body: { codes: [] },
          })
        ).status,
        200,
        'disableInviteCodes',
      )
      const mail = await xrpc(E, 'com.atproto.admin.sendEmail', {
        auth: await mod('com.atproto.admin.sendEmail'),
        body: { recipientDid: b.did, senderDid: modDid, content: 'x' },
      })
      t.equal(mail.status, 200, `sendEmail ${JSON.stringify(mail.body)}`)
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.searchAccounts', {
            auth: await mod('com.atproto.admin.searchAccounts'),
          })
        ).status,
        200,
        'searchAccounts',
      )
      t.equal(
        (
          await xrpc(E, 'com.atproto.admin.getAccountInfo', {
            auth: await mod('com.atproto.admin.getAccountInfo', { iss: modDid, key: atprotoKey }),
            query: { did: b.did },
          })
        ).status,
        200,
        'the bare DID as issuer, signed with its #atproto key',
      )

      const q = { query: { did: b.did } }
      const refused: Array<[string, string]> = [
        [
          'wrong aud',
          await mod('com.atproto.admin.getAccountInfo', { aud: 'did:web:someone-else.test' }),
        ],
        ['wrong lxm', await mod('com.atproto.admin.getSubjectStatus')],
        [
          'expired',
          await mod('com.atproto.admin.getAccountInfo', {
            exp: Math.floor(Date.now() / 1000) - 120,
          }),
        ],
        [
          'unknown iss',
          await mod('com.atproto.admin.getAccountInfo', {
            iss: 'did:plc:strangerstrangerstranger',
            key: strangerKey,
          }),
        ],
        [
          'labeler iss signed with the #atproto key',
          await mod('com.atproto.admin.getAccountInfo', { key: atprotoKey }),
        ],
        ['forged signature', await mod('com.atproto.admin.getAccountInfo', { key: strangerKey })],
      ]
      for (const [why, auth] of refused) {
        const res = await xrpc(E, 'com.atproto.admin.getAccountInfo', { auth, ...q })
        t.equal(res.status, 401, `${why}: 401 ${res.body.error}`)
      }
      for (const nsid of [
        'com.atproto.admin.deleteAccount',
        'com.atproto.admin.updateAccountPassword',
        'com.atproto.admin.updateAccountHandle',
        'com.atproto.admin.updateAccountEmail',
      ]) {
        const res = await xrpc(E, nsid, {
          auth: await mod(nsid),
          body: {
            did: b.did,
            account: b.did,
            password: 'x-x-x-x-x',
            handle: 'x.test',
            email: 'x@mail.test',
          },
        })
        t.equal(res.status, 401, `${nsid} is Basic admin only, as on the PDS`)
      }
      const other = await xrpc(E, 'com.atproto.admin.updateAccountSigningKey', {
        auth: await mod('com.atproto.admin.updateAccountSigningKey'),
        body: {},
      })
      t.equal(
        other.status,
        501,
        'an unserved method: 501 once the moderation service is authenticated',
      )
    },
  )

  t.test('relays: a host enabled, and request-crawl (retried after a 503)', async (t) => {
    const added = await cli(
      'hosts',
      'add',
      'https://pds-new.example.test',
      'did:web:pds-new.example.test',
      '--status',
      'enabled',
      '--json',
    )
    t.equal(JSON.parse(added).host.status, 'enabled')
    const deadline = Date.now() + 15_000
    while (!crawls.some((c) => c.hostname === 'pds-new.example.test') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    t.ok(
      crawls.some((c) => c.hostname === 'pds-new.example.test'),
      'the relay was asked to crawl the new host, after a retry',
    )
    await cli('hosts', 'disable', 'did:web:pds-new.example.test')

    const out = JSON.parse(await cli('request-crawl', '--json')) as { results: Json[] }
    const pdsHosts = fleet.pds.map((p) => new URL(p.url).host).sort()
    t.same(out.results.map((r) => r.hostname).sort(), pdsHosts, 'one request per enabled host')
    t.ok(
      out.results.every((r) => r.ok && r.relay === relayUrl),
      'each answered (the first 503s were retried)',
    )
    t.ok(
      out.results.every((r) => r.attempts === 2),
      'after one retry each',
    )
    for (const h of pdsHosts)
      t.ok(
        crawls.some((c) => c.hostname === h),
        `the relay recorded ${h}`,
      )

    const named = await cli('request-crawl', relay2Url)
    t.match(named, /hostname\s+relay\s+ok/)
    t.same(secondRelayHits.sort(), pdsHosts, 'a relay named on the command line')

    const down = JSON.parse(await cli('request-crawl', 'http://127.0.0.1:9', '--json')) as {
      results: Json[]
    }
    t.ok(
      down.results.every((r) => !r.ok && r.error === 'unreachable'),
      'an unreachable relay is reported, not raised',
    )
  })

  t.test('pdsadmin commands through entryway-admin', async (t) => {
    const upd = await admin(['update'])
    t.match(upd, /not applicable/)
    t.same(JSON.parse(await admin(['update', '--json'])).applicable, false)

    const handle = `carol${Date.now().toString(36)}.test`
    const created = JSON.parse(
      await cli('account', 'create', `${handle}@mail.test`, handle, '--json'),
    )
    t.match(created, { handle, did: /^did:plc:/, password: /^.{20}$/ })
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: handle, password: created.password },
        })
      ).status,
      200,
      'the printed password signs in',
    )
    t.match(
      await cli('account', 'create', `x${handle}@mail.test`, `x${handle}`),
      /Account created[\s\S]*Save this password/,
    )

    const list = await cli('account', 'list', '--limit', '1000')
    t.match(list, new RegExp(`${created.did}\\s+${handle.replace(/\./g, '\\.')}`))
    t.ok(
      JSON.parse(await cli('account', 'list', '--json', '--limit', '1000')).accounts.some(
        (x: Json) => x.did === created.did,
      ),
    )
    t.match(await cli('account', 'info', handle), new RegExp(`did\\s+${created.did}`))

    t.match(await cli('account', 'takedown', handle, '--ref', 'T-9'), /taken down/)
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: handle, password: created.password },
        })
      ).body.error,
      'AccountTakedown',
    )
    t.match(JSON.parse(await cli('account', 'info', created.did, '--json')), {
      takedown: { applied: true, ref: 'T-9' },
    })
    // by handle: the public resolveHandle hides a taken-down account, the CLI must still find it
    t.match(await cli('account', 'info', handle), /takendown\s+true/)
    t.match(await cli('account', 'untakedown', handle), /restored/)

    const reset = JSON.parse(await cli('account', 'reset-password', handle, '--json'))
    t.equal(reset.did, created.did)
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: handle, password: reset.password },
        })
      ).status,
      200,
      'the new password signs in',
    )
    t.equal(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: handle, password: created.password },
        })
      ).status,
      401,
      'the old one does not',
    )

    const codes = JSON.parse(await cli('create-invite-code', '--uses', '5', '--json'))
      .codes as string[]
    t.equal(codes.length, 1)
    t.match(
      (
        await xrpc(E, 'com.atproto.admin.getInviteCodes', { auth: ADMIN, query: { limit: '500' } })
      ).body.codes.find((c: Json) => c.code === codes[0]),
      { available: 5 },
    )

    await t.rejects(cli('account', 'delete', handle), /--yes/, 'delete wants --yes')
    t.match(await cli('account', 'delete', handle, '--yes'), /deleted/)
    const last = (await (
      await fetch(`${fleet.plc.url}/${created.did}/log/last`, {
        signal: AbortSignal.timeout(10_000),
      })
    ).json()) as Json
    t.equal(last.type, 'plc_tombstone', 'the DID is tombstoned')
    await t.rejects(cli('account', 'info', created.did), /NotFound/)
    await t.rejects(admin(['account', 'list', '--url', E, '--password', 'wrong']), /401/)
  })
})
