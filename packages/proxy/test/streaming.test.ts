// @serial-test: measures this process's memory, which a parallel file's load (slower reads, later GC) inflates
import t from 'tap'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import { buildHarness, didDoc, fleetHost, startUpstream, appUrl } from './helpers.js'

const SIZE = 50 * 1024 * 1024
const CHUNK = 64 * 1024
/** A buffering proxy would hold the whole 50 MB; streaming keeps growth to socket buffers. */
const MAX_GROWTH = 30 * 1024 * 1024

function chunk(i: number): Buffer {
  return Buffer.alloc(CHUNK, i % 251)
}

/** Samples this process's RSS + ArrayBuffer memory while `fn` runs; returns the peak growth. */
async function peakGrowth(fn: () => Promise<void>): Promise<number> {
  const mem = () => process.memoryUsage().rss
  const base = mem()
  let peak = base
  const timer = setInterval(() => (peak = Math.max(peak, mem())), 5)
  try {
    await fn()
  } finally {
    clearInterval(timer)
  }
  return Math.max(peak, mem()) - base
}

t.test('50 MB up and 50 MB down through the proxy with flat memory', async (t) => {
  const up = await startUpstream((req, res) => {
    if (req.method === 'POST') {
      const hash = createHash('sha256')
      let n = 0
      req.on('data', (c: Buffer) => {
        n += c.length
        hash.update(c)
      })
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ size: n, sha256: hash.digest('hex') }))
      })
      return
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.ipld.car',
      'content-length': String(SIZE),
    })
    Readable.from(
      (function* () {
        for (let i = 0; i < SIZE / CHUNK; i++) yield chunk(i)
      })(),
    ).pipe(res)
  })
  t.teardown(() => up.close())
  const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')], listen: true })
  const did = 'did:plc:stream'
  h.docs.set(did, didDoc(did, up.url))
  const auth = `Bearer ${await h.token(did)}`
  const base = appUrl(h.app)
  // warm up (token verification, pools) so the measurement sees only the transfer
  await fetch(`${base}/xrpc/com.atproto.server.checkAccountStatus`, {
    headers: { authorization: auth },
  })

  const expected = createHash('sha256')
  for (let i = 0; i < SIZE / CHUNK; i++) expected.update(chunk(i))
  const expectedHex = expected.digest('hex')

  let uploadAnswer: { size: number; sha256: string } | null = null
  const upGrowth = await peakGrowth(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          `${base}/xrpc/com.atproto.repo.uploadBlob`,
          {
            method: 'POST',
            headers: {
              authorization: auth,
              'content-type': 'video/mp4',
              'content-length': String(SIZE),
            },
          },
          (res) => {
            const parts: Buffer[] = []
            res.on('data', (c) => parts.push(c))
            res.on('end', () => {
              uploadAnswer = JSON.parse(Buffer.concat(parts).toString('utf8'))
              resolve()
            })
            res.on('error', reject)
          },
        )
        req.on('error', reject)
        Readable.from(
          (function* () {
            for (let i = 0; i < SIZE / CHUNK; i++) yield chunk(i)
          })(),
        ).pipe(req)
      }),
  )
  t.same(uploadAnswer, { size: SIZE, sha256: expectedHex }, 'the PDS received every byte')
  t.ok(upGrowth < MAX_GROWTH, `upload grew memory by ${(upGrowth / 1048576).toFixed(1)} MB`)

  let got = 0
  const hash = createHash('sha256')
  const downGrowth = await peakGrowth(
    () =>
      new Promise<void>((resolve, reject) => {
        request(
          `${base}/xrpc/com.atproto.sync.getRepo?did=${did}`,
          { headers: { authorization: auth } },
          (res) => {
            res.on('data', (c: Buffer) => {
              got += c.length
              hash.update(c)
            })
            res.on('end', resolve)
            res.on('error', reject)
          },
        )
          .on('error', reject)
          .end()
      }),
  )
  t.equal(got, SIZE)
  t.equal(hash.digest('hex'), expectedHex)
  t.ok(downGrowth < MAX_GROWTH, `download grew memory by ${(downGrowth / 1048576).toFixed(1)} MB`)
})
