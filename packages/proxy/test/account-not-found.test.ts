import t from 'tap'
import { buildHarness, didDoc, fleetHost, startUpstream } from './helpers.js'

t.test(
  "the PDS's 403 AccountNotFound becomes 400 ExpiredToken; other 403s pass through",
  async (t) => {
    const up = await startUpstream((req, res) => {
      const notFound = req.url!.includes('getTimeline')
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' })
      res.end(
        JSON.stringify(
          notFound
            ? { error: 'AccountNotFound', message: 'User not found' }
            : { error: 'AccountTakedown', message: 'taken down' },
        ),
      )
    })
    t.teardown(() => up.close())
    const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')] })
    const did = 'did:plc:gone'
    h.docs.set(did, didDoc(did, up.url))
    const auth = { authorization: `Bearer ${await h.token(did)}` }

    let res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers: auth })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'ExpiredToken')

    res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getAuthorFeed', headers: auth })
    t.equal(res.statusCode, 403)
    t.same(res.json(), { error: 'AccountTakedown', message: 'taken down' })

    // unauthenticated: not a session problem, passed through as is
    res = await h.app.inject({ url: `/xrpc/app.bsky.feed.getTimeline?repo=${did}` })
    t.equal(res.statusCode, 403)
    t.equal(res.json().error, 'AccountNotFound')
  },
)
