import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { buildHarness, fleetHost, startUpstream } from './helpers.js'

/** A PDS's listRepos over `dids`: like the reference PDS, a cursor on every non-empty page. */
function listing(dids: string[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname !== '/xrpc/com.atproto.sync.listRepos') {
      res.writeHead(404).end()
      return
    }
    const from = Number(u.searchParams.get('cursor') ?? 0)
    const limit = Number(u.searchParams.get('limit') ?? 500)
    const page = dids.slice(from, from + limit)
    const body = {
      repos: page.map((did) => ({ did, head: 'bafyhead', rev: '3kabc', active: true })),
      ...(page.length ? { cursor: String(from + page.length) } : {}),
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
}

t.test('listRepos lists every host of the service, behind one cursor', async (t) => {
  const aDids = ['did:plc:a1', 'did:plc:a2', 'did:plc:a3', 'did:plc:a4', 'did:plc:a5']
  const bDids = ['did:plc:b1', 'did:plc:b2']
  const a = await startUpstream(listing(aDids))
  const b = await startUpstream(listing(bDids))
  const off = await startUpstream(listing(['did:plc:off1']))
  t.teardown(() => a.close())
  t.teardown(() => off.close())
  // listed out of order: the listing follows host DIDs, not registration
  const h = await buildHarness(t, {
    hosts: [
      fleetHost(b.url, 'did:web:b.test'),
      fleetHost(off.url, 'did:web:c.test', { status: 'disabled' }),
      fleetHost(a.url, 'did:web:a.test', { status: 'draining' }),
    ],
  })
  const list = async (query: string) => {
    const res = await h.app.inject({ url: `/xrpc/com.atproto.sync.listRepos${query}` })
    return {
      status: res.statusCode,
      body: res.json<{ repos?: Array<{ did: string }>; cursor?: string; error?: string }>(),
    }
  }

  t.test('pages of 3 walk host a, then host b, and end without a cursor', async (t) => {
    const seen: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const r = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      t.equal(r.status, 200)
      t.ok(r.body.repos!.length <= 3)
      seen.push(...r.body.repos!.map((x) => x.did))
      cursor = r.body.cursor
      pages++
    } while (cursor && pages < 10)
    t.same(seen, [...aDids, ...bDids], 'every repo once, in order')
    t.equal(off.hits, 0, 'a disabled host is not asked')
  })

  t.test(
    'one call with the default limit returns everything; repo fields pass through',
    async (t) => {
      const r = await list('')
      t.same(
        r.body.repos!.map((x) => x.did),
        [...aDids, ...bDids],
      )
      t.match(r.body.repos![0], { head: 'bafyhead', rev: '3kabc', active: true })
      t.notOk(r.body.cursor)
    },
  )

  t.test('bad limits and cursors are 400 InvalidRequest', async (t) => {
    for (const q of ['?limit=0', '?limit=1001', '?limit=abc', '?cursor=not-ours']) {
      const r = await list(q)
      t.equal(r.status, 400, q)
      t.equal(r.body.error, 'InvalidRequest', q)
    }
  })

  t.test(
    'a host that is down fails the page with 502, never a partial answer passed off as whole',
    async (t) => {
      await b.close()
      const r = await list('')
      t.equal(r.status, 502)
      t.equal(r.body.error, 'UpstreamFailure')
    },
  )
})

t.test('a host answering listRepos with an error fails the page with 502', async (t) => {
  const broken = await startUpstream((_req, res) => {
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end('{"error":"InternalServerError"}')
  })
  t.teardown(() => broken.close())
  const h = await buildHarness(t, { hosts: [fleetHost(broken.url, 'did:web:broken.test')] })
  const res = await h.app.inject({ url: '/xrpc/com.atproto.sync.listRepos' })
  t.equal(res.statusCode, 502)
  t.equal(res.json().error, 'UpstreamFailure')
  t.match(res.json().message, /did not answer as expected/)
  t.equal(broken.hits, 1)
})
