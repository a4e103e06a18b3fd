import t from 'tap'
import { AtpAgent } from '@atproto/api'
import { startFleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// A fleet of two real PDSes plus sign-ups and transfers: about a minute on a shared machine.
t.setTimeout(300_000)

/**
 * The virtual PDS, end to end: AtpAgent knows only the Entryway's URL and gets no didDoc (fully
 * virtual mode), so every repo, blob and sync call goes through @entryway/proxy to the PDS that
 * holds the account, for accounts on each PDS of the fleet.
 */
t.test(
  'AtpAgent against the Entryway only: sign up, post, read, blob, export, on every PDS',
  async (t) => {
    const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
    t.teardown(() => fleet.stop())
    const env = readEnv({ ...fleet.gatewayEnv, ENTRYWAY_INCLUDE_DID_DOC: 'false' })
    const cfg = envToCfg(env)
    const { app, database } = await buildGateway(cfg, envToSecrets(env), {
      logger: process.env.E2E_LOG === '1',
    })
    t.teardown(() => app.close())
    await app.listen({ port: fleet.entryway.port, host: cfg.service.host })
    const E = fleet.entryway.url

    // sign up until placement has put someone on every PDS (bounded)
    const byPds = new Map<string, { agent: AtpAgent; did: string; handle: string }>()
    for (let i = 0; i < 8 && byPds.size < fleet.pds.length; i++) {
      const agent = new AtpAgent({ service: E })
      const handle = `vp${Date.now().toString(36)}${i}${fleet.handleDomains[0]}`
      await agent.createAccount({
        handle,
        email: `${handle.replace(/\./g, '-')}@mail.test`,
        password: `pw-${handle}`,
      })
      const did = agent.session!.did
      const row = await database.db
        .selectFrom('account')
        .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
        .select('pds_host.url')
        .where('account.did', '=', did)
        .executeTakeFirstOrThrow()
      if (!byPds.has(row.url)) byPds.set(row.url, { agent, did, handle })
    }
    t.equal(byPds.size, fleet.pds.length, 'accounts on every PDS')

    t.test(
      'listRepos through the Entryway lists the accounts of every PDS, page by page',
      async (t) => {
        const placed = await database.db.selectFrom('account').select('did').execute()
        const listed: string[] = []
        let cursor: string | undefined
        for (let pages = 0; pages < 50; pages++) {
          const page = await new AtpAgent({ service: E }).com.atproto.sync.listRepos({
            limit: 1,
            cursor,
          })
          listed.push(...page.data.repos.map((r) => r.did))
          t.ok(
            page.data.repos.every((r) => r.head && r.rev),
            'each repo with its head and rev from its PDS',
          )
          cursor = page.data.cursor
          if (!cursor) break
        }
        t.same(
          [...listed].sort(),
          placed.map((r) => r.did).sort(),
          'every account once, whichever PDS holds it',
        )
      },
    )

    for (const [pdsUrl, { agent, did }] of byPds) {
      t.test(`account on ${pdsUrl}`, async (t) => {
        t.equal(agent.pdsUrl, undefined, 'no didDoc: the agent only knows the Entryway')
        t.equal(agent.serviceUrl.origin, new URL(E).origin)

        const post = await agent.post({
          text: `hello from ${did}`,
          createdAt: new Date().toISOString(),
        })
        t.match(post.uri, new RegExp(`^at://${did}/app.bsky.feed.post/`))
        const list = await agent.com.atproto.repo.listRecords({
          repo: did,
          collection: 'app.bsky.feed.post',
        })
        t.equal(list.data.records.length, 1)
        t.equal((list.data.records[0]!.value as { text: string }).text, `hello from ${did}`)
        const rkey = post.uri.split('/').pop()!
        const rec = await agent.com.atproto.repo.getRecord({
          repo: did,
          collection: 'app.bsky.feed.post',
          rkey,
        })
        t.equal(rec.data.cid, post.cid)

        const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 256)
        const up = await agent.uploadBlob(bytes, { encoding: 'image/png' })
        await agent.post({
          text: 'with a blob',
          createdAt: new Date().toISOString(),
          embed: { $type: 'app.bsky.embed.images', images: [{ alt: 'x', image: up.data.blob }] },
        })
        const blob = await agent.com.atproto.sync.getBlob({ did, cid: up.data.blob.ref.toString() })
        t.same(Buffer.from(blob.data), Buffer.from(bytes), 'blob round trip through the proxy')

        const car = await agent.com.atproto.sync.getRepo({ did })
        const carBytes = Buffer.from(car.data)
        t.ok(carBytes.length > 500, `repo export: ${carBytes.length} bytes`)
        t.ok(carBytes.includes(Buffer.from(`hello from ${did}`)), 'the export holds the post')

        // unauthenticated reads route by the repo param to the right PDS too
        const res = await fetch(`${E}/xrpc/com.atproto.repo.describeRepo?repo=${did}`)
        t.equal(res.status, 200)
        t.equal(((await res.json()) as { did?: string }).did, did)
      })
    }
  },
)
