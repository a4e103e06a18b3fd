import t from 'tap'
import { Registry } from 'prom-client'
import {
  DEFAULT_HTTP_BUCKETS,
  DEFAULT_PATH,
  DEFAULT_PREFIX,
  resolveOptions,
} from '../src/options.js'

t.test('defaults', async (t) => {
  const o = resolveOptions()
  t.ok(Object.isFrozen(o))
  t.ok(o.registry instanceof Registry)
  t.equal(o.prefix, DEFAULT_PREFIX)
  t.equal(o.path, DEFAULT_PATH)
  t.equal(o.defaultMetrics, true)
  t.equal(o.token, null)
  t.same(o.httpBuckets, DEFAULT_HTTP_BUCKETS)
})

t.test('a new registry per call, never the global one', async (t) => {
  t.not(resolveOptions().registry, resolveOptions().registry)
})

t.test('does not mutate its input', async (t) => {
  const raw = { httpBuckets: [0.1, 1] }
  const o = resolveOptions(raw)
  t.same(raw, { httpBuckets: [0.1, 1] })
  t.not(o.httpBuckets, raw.httpBuckets)
  t.ok(Object.isFrozen(o.httpBuckets))
})

t.test('rejects bad options with the package name', async (t) => {
  const bad: unknown[] = [
    { registry: {} },
    { prefix: 'bad prefix' },
    { path: 'metrics' },
    { defaultMetrics: 'yes' },
    { token: 'short' },
    { httpBuckets: [] },
    { httpBuckets: [1, 0.5] },
    { upstreamBuckets: [-1] },
  ]
  for (const raw of bad)
    t.throws(() => resolveOptions(raw as never), /^@entryway\/metrics: /, JSON.stringify(raw))
})

t.test('path null serves no route', async (t) => {
  t.equal(resolveOptions({ path: null }).path, null)
})
