import t from 'tap'
import { BoundedClientCache, CLIENT_CACHE_TTL_MS } from '../src/client-cache.js'

const metadata = (i: number) => ({
  client_id: `https://app${i}.example/client-metadata.json`,
  redirect_uris: [`https://app${i}.example/callback`],
  scope: 'atproto transition:generic',
  dpop_bound_access_tokens: true,
})

t.test('client documents: filled past the bounds, stays within entries and bytes', async (t) => {
  const clock = { now: 0 }
  const cache = new BoundedClientCache<ReturnType<typeof metadata>>(
    { maxEntries: 20, maxBytes: 3_000 },
    () => clock.now,
  )
  for (let i = 0; i < 200; i++) cache.set(metadata(i).client_id, metadata(i))
  const u = cache.usage()
  t.ok(u.entries > 0 && u.entries <= 20, `entries ${u.entries} <= 20`)
  t.ok(u.bytes <= 3_000, `bytes ${u.bytes} <= 3000`)
  t.ok(u.entries < 20, 'the byte bound binds first (~230 B an entry)')
  t.same(cache.get(metadata(199).client_id), metadata(199), 'the newest is served')
  t.equal(cache.get(metadata(0).client_id), undefined, 'the oldest was dropped')
  clock.now += CLIENT_CACHE_TTL_MS
  t.equal(cache.get(metadata(199).client_id), undefined, 'expired after the TTL')
})
