// @serial-test: asserts elapsed times, which a parallel file's load would skew
import t from 'tap'
import { DidDocCache } from '../src/did-doc-cache.js'
import { createDidDocFetcher } from '../src/did-doc-fetcher.js'
import { didDoc, startUpstream, waitFor } from './helpers.js'
import type { DidDocument } from '@entryway/xrpc'

const HOUR = 3600_000

function fakeSource() {
  const s = {
    calls: 0,
    docs: new Map<string, DidDocument>(),
    fail: false,
    delayMs: 0,
    fetch: async (did: string): Promise<DidDocument | null> => {
      s.calls++
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs))
      if (s.fail) throw new Error('plc down')
      return s.docs.get(did) ?? null
    },
  }
  return s
}

t.test(
  'fresh, stale (served at once, refreshed once in the background), expired (fetched)',
  async (t) => {
    const src = fakeSource()
    const clock = { now: 0 }
    const cache = new DidDocCache({ fetch: src.fetch, now: () => clock.now })
    src.docs.set('did:plc:a', didDoc('did:plc:a', 'https://one.example'))
    t.equal(
      (await cache.resolve('did:plc:a'))?.service?.[0]?.serviceEndpoint,
      'https://one.example',
    )
    t.equal(src.calls, 1)
    clock.now += HOUR - 1
    await cache.resolve('did:plc:a')
    t.equal(src.calls, 1, 'fresh: no fetch')

    src.docs.set('did:plc:a', didDoc('did:plc:a', 'https://two.example'))
    clock.now += 2
    const stale = await Promise.all([
      cache.resolve('did:plc:a'),
      cache.resolve('did:plc:a'),
      cache.resolve('did:plc:a'),
    ])
    t.ok(
      stale.every((d) => d?.service?.[0]?.serviceEndpoint === 'https://one.example'),
      'stale copy served',
    )
    await waitFor(
      () => cache.peek('did:plc:a')?.service?.[0]?.serviceEndpoint === 'https://two.example',
    )
    t.equal(src.calls, 2, 'exactly one background refresh')

    clock.now += 25 * HOUR
    src.docs.set('did:plc:a', didDoc('did:plc:a', 'https://three.example'))
    t.equal(cache.peek('did:plc:a'), undefined, 'expired entries are not served')
    t.equal(
      (await cache.resolve('did:plc:a'))?.service?.[0]?.serviceEndpoint,
      'https://three.example',
    )
  },
)

t.test('concurrent misses share one fetch; a hung resolver is cut at the timeout', async (t) => {
  const src = fakeSource()
  src.docs.set('did:plc:b', didDoc('did:plc:b', 'https://b.example'))
  src.delayMs = 50
  const cache = new DidDocCache({ fetch: src.fetch, timeoutMs: 200 })
  await Promise.all(Array.from({ length: 10 }, () => cache.resolve('did:plc:b')))
  t.equal(src.calls, 1)

  const hung = new DidDocCache({ fetch: () => new Promise(() => {}), timeoutMs: 100 })
  const started = Date.now()
  await t.rejects(hung.resolve('did:plc:c'), { name: 'DidResolveTimeoutError' })
  t.ok(Date.now() - started < 1000)
})

t.test(
  'unknown DIDs are remembered briefly; forceRefresh bypasses; failures keep the old copy',
  async (t) => {
    const src = fakeSource()
    const clock = { now: 0 }
    const cache = new DidDocCache({ fetch: src.fetch, now: () => clock.now, negativeTtlMs: 1000 })
    t.equal(await cache.resolve('did:plc:new'), null)
    t.equal(await cache.resolve('did:plc:new'), null)
    t.equal(src.calls, 1)
    src.docs.set('did:plc:new', didDoc('did:plc:new', 'https://n.example'))
    t.ok(
      await cache.resolve('did:plc:new', { forceRefresh: true }),
      'forceRefresh sees the new DID',
    )
    src.fail = true
    t.ok(
      await cache.resolve('did:plc:new', { forceRefresh: true }),
      'a failed forced refresh returns the cached copy',
    )
  },
)

t.test(
  'a PLC outage with a warm cache does not slow requests (real resolver, real HTTP PLC)',
  async (t) => {
    let stall = false
    const plc = await startUpstream((req, res) => {
      if (stall) return // the outage: connections accepted, never answered
      const did = decodeURIComponent(req.url!.slice(1))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(didDoc(did, 'https://pds.example')))
    })
    t.teardown(() => plc.close())
    const clock = { now: Date.now() }
    const cache = new DidDocCache({
      fetch: createDidDocFetcher({ plcUrl: plc.url }),
      now: () => clock.now,
    })
    const dids = Array.from(
      { length: 20 },
      (_, i) => `did:plc:${String.fromCharCode(97 + i).repeat(24)}`,
    )
    for (const did of dids) t.ok(await cache.resolve(did))

    stall = true
    clock.now += 2 * HOUR // every entry is stale: each lookup also starts a refresh that will hang
    const started = performance.now()
    for (let round = 0; round < 50; round++) {
      for (const did of dids) {
        const doc = await cache.resolve(did)
        if (!doc) t.fail('lost a cached document')
      }
    }
    const perLookupMs = (performance.now() - started) / (50 * dids.length)
    t.ok(perLookupMs < 1, `cached lookups during the outage took ${perLookupMs.toFixed(3)} ms each`)
    await waitFor(() => plc.hits > dids.length) // background refreshes were attempted
    t.ok(plc.hits <= dids.length * 2, `but at most one per DID (${plc.hits - dids.length})`)
  },
)
