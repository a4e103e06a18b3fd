import t from 'tap'
import { request } from 'node:http'
import { buildHarness, appUrl, echo, fleetHost, startUpstream } from './helpers.js'

t.test(
  'subscribeRepos is refused with the hosts to subscribe to, never sent to one PDS',
  async (t) => {
    const a = await startUpstream(echo)
    const b = await startUpstream(echo)
    const gone = await startUpstream(echo)
    t.teardown(() => a.close())
    t.teardown(() => b.close())
    t.teardown(() => gone.close())
    const h = await buildHarness(t, {
      listen: true,
      hosts: [
        fleetHost(a.url, 'did:web:a.test'),
        fleetHost(b.url, 'did:web:b.test', { status: 'draining' }),
        fleetHost(gone.url, 'did:web:gone.test', { status: 'disabled' }),
      ],
    })
    const tok = await h.token('did:plc:alice')

    t.test('plain GET, with or without a session', async (t) => {
      for (const headers of [{}, { authorization: `Bearer ${tok}` }]) {
        const res = await h.app.inject({
          url: '/xrpc/com.atproto.sync.subscribeRepos?cursor=5',
          headers,
        })
        t.equal(res.statusCode, 501)
        t.equal(res.json().error, 'MethodNotImplemented')
        t.match(res.json().message, a.url)
        t.match(res.json().message, b.url, 'a draining host still holds accounts')
        t.notMatch(res.json().message, gone.url, 'a disabled host is not offered')
      }
      t.equal(a.hits + b.hits + gone.hits, 0)
    })

    t.test('a WebSocket handshake gets the same XRPC answer over HTTP', async (t) => {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${appUrl(h.app)}/xrpc/com.atproto.sync.subscribeRepos`, {
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        })
        req.on('response', (r) => {
          let body = ''
          r.setEncoding('utf8')
          r.on('data', (c) => (body += c))
          r.on('end', () => resolve({ status: r.statusCode!, body }))
        })
        req.on('upgrade', () => reject(new Error('upgraded')))
        req.on('error', reject)
        req.end()
      })
      t.equal(res.status, 501)
      t.equal(JSON.parse(res.body).error, 'MethodNotImplemented')
      t.equal(a.hits + b.hits, 0)
    })
  },
)
