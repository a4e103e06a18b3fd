import t from 'tap'
import type { CacheUsage } from '@entryway/xrpc'
import type { ProxyMetrics } from '../src/options.js'
import { buildHarness, didDoc, echo, fleetHost, startUpstream } from './helpers.js'

/** A metrics sink that keeps the cache readers the plugin registers. */
function usageSink(): ProxyMetrics & { read(cache: string): CacheUsage } {
  const readers = new Map<string, () => CacheUsage>()
  return {
    upstream() {},
    cacheLookup() {},
    cacheUsage(cache, read) {
      readers.set(cache, read)
    },
    read(cache) {
      const r = readers.get(cache)
      if (!r) throw new Error(`no reader for ${cache}`)
      return r()
    },
  }
}

const did = (i: number) => `did:plc:bounds${String(i).padStart(18, '0')}`

t.test(
  'verified tokens and account rows: filled past their bounds, stay within entries and bytes, still serve',
  async (t) => {
    const up = await startUpstream(echo)
    t.teardown(() => up.close())
    const metrics = usageSink()
    const h = await buildHarness(t, {
      hosts: [fleetHost(up.url, 'did:web:up.test')],
      overrides: {
        metrics,
        tokenCacheSize: 40,
        tokenCacheMaxBytes: 12_000,
        routeCacheSize: 25,
        routeCacheMaxBytes: 1_500,
      },
    })
    const tokens: string[] = []
    for (let i = 0; i < 120; i++) {
      h.accounts.set(did(i), up.url)
      h.docs.set(did(i), didDoc(did(i), up.url))
      tokens.push(await h.token(did(i)))
    }
    let ok = 0
    for (const tok of tokens) {
      const res = await h.app.inject({
        url: '/xrpc/app.bsky.feed.getTimeline',
        headers: { authorization: `Bearer ${tok}` },
      })
      if (res.statusCode === 200) ok++
    }
    t.equal(ok, 120, 'every request served')
    const tk = metrics.read('token')
    t.ok(tk.entries > 0 && tk.entries <= 40, `token entries ${tk.entries} <= 40`)
    t.ok(tk.bytes <= 12_000, `token bytes ${tk.bytes} <= 12000`)
    t.ok(tk.entries < 40, 'the byte bound binds first with ~0.5 kB tokens')
    const rt = metrics.read('route')
    t.ok(rt.entries > 0 && rt.entries <= 25, `route entries ${rt.entries} <= 25`)
    t.ok(rt.bytes <= 1_500, `route bytes ${rt.bytes} <= 1500`)

    // the first token was evicted long ago: it is verified again and still served
    const res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `Bearer ${tokens[0]}` },
    })
    t.equal(res.statusCode, 200, 'an evicted token is verified again and served')
    t.ok(metrics.read('token').bytes <= 12_000, 'still within bytes')
  },
)

t.test(
  'DID documents, handles and the resolution budget: bounded in entries and bytes, still serve',
  async (t) => {
    const up = await startUpstream(echo)
    t.teardown(() => up.close())
    const metrics = usageSink()
    const h = await buildHarness(t, {
      hosts: [fleetHost(up.url, 'did:web:up.test')],
      overrides: { metrics, handleCacheSize: 15, handleCacheMaxBytes: 100_000 },
      didCache: { maxSize: 30, maxBytes: 10_000, budgetTrackedClients: 12 },
    })
    for (let i = 0; i < 100; i++) {
      h.docs.set(did(i), didDoc(did(i), up.url))
      h.accounts.didByHandle.set(`user${i}.test`, did(i))
    }
    let ok = 0
    for (let i = 0; i < 100; i++) {
      // each from its own address: the budget's table fills too
      const res = await h.app.inject({
        url: `/xrpc/com.atproto.repo.describeRepo?repo=${did(i)}`,
        remoteAddress: `10.0.${i >> 8}.${i & 255}`,
      })
      if (res.statusCode === 200) ok++
    }
    t.equal(ok, 100, 'every DID-named request served')
    const docs = h.didCache.usage()
    t.ok(docs.entries > 0 && docs.entries <= 30, `did entries ${docs.entries} <= 30`)
    t.ok(docs.bytes <= 10_000, `did bytes ${docs.bytes} <= 10000`)
    const budget = h.didCache.budgetUsage()
    t.ok(budget.entries > 0 && budget.entries <= 12, `budget entries ${budget.entries} <= 12`)
    t.equal(h.didCache.inflightCount, 0, 'no single-flight entry left behind')

    let handled = 0
    for (let i = 0; i < 60; i++) {
      const res = await h.app.inject({
        url: `/xrpc/com.atproto.repo.describeRepo?repo=user${i}.test`,
        remoteAddress: `10.1.${i >> 8}.${i & 255}`,
      })
      if (res.statusCode === 200) handled++
    }
    t.equal(handled, 60, 'every handle-named request served')
    const hd = metrics.read('handle')
    t.ok(hd.entries > 0 && hd.entries <= 15, `handle entries ${hd.entries} <= 15`)

    // an evicted DID is fetched again and served
    const res = await h.app.inject({
      url: `/xrpc/com.atproto.repo.describeRepo?repo=${did(0)}`,
      remoteAddress: '10.2.0.1',
    })
    t.equal(res.statusCode, 200, 'an evicted DID document is fetched again')
  },
)

t.test('a DID document larger than the byte bound alone is served but not kept', async (t) => {
  const up = await startUpstream(echo)
  t.teardown(() => up.close())
  const h = await buildHarness(t, {
    hosts: [fleetHost(up.url, 'did:web:up.test')],
    didCache: { maxBytes: 2_000 },
  })
  const big = didDoc(did(1), up.url)
  big.alsoKnownAs = Array.from({ length: 50 }, (_, i) => `at://a-rather-long-handle-${i}.test`)
  h.docs.set(did(1), big)
  const res = await h.app.inject({ url: `/xrpc/com.atproto.repo.describeRepo?repo=${did(1)}` })
  t.equal(res.statusCode, 200)
  t.equal(h.didCache.usage().entries, 0, 'not kept')
})
