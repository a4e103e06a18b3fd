import t from 'tap'
import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  createEntrywayMetrics,
  DEFAULT_HTTP_BUCKETS,
  DEFAULT_PREFIX,
  entrywayMetrics,
} from '../src/index.js'
import { resolveOptions } from '../src/options.js'

const made = () =>
  createEntrywayMetrics(new Registry(), {
    prefix: DEFAULT_PREFIX,
    httpBuckets: DEFAULT_HTTP_BUCKETS,
    upstreamBuckets: DEFAULT_HTTP_BUCKETS,
  })

t.test('families made before the app: the plugin reports into them and serves them', async (t) => {
  const families = made()
  // a service holding the reporter before the plugin exists reports into the same families
  families.accountPlaced('did:web:pds1.test')
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywayMetrics, { families, defaultMetrics: false })
  app.get('/ok', async () => ({ ok: true }))
  t.teardown(() => app.close())

  t.equal(app.entrywayMetrics, families, 'the decorator is the families given')
  t.equal(app.entrywayMetricsRegistry, families.registry)
  await app.inject('/ok')
  const body = (await app.inject('/metrics')).body
  t.match(body, /entryway_accounts_placed_total\{host="did:web:pds1.test"\} 1/)
  t.match(body, /entryway_http_requests_total\{route="\/ok",method="GET",status="200"\} 1/)
})

t.test(
  'families exclude a registry or buckets of their own; a look-alike is refused',
  async (t) => {
    const families = made()
    t.throws(
      () => resolveOptions({ families, registry: new Registry() }),
      /@entryway\/metrics: registry belongs to the families/,
    )
    t.throws(
      () => resolveOptions({ families, httpBuckets: [1] }),
      /@entryway\/metrics: httpBuckets belongs to the families/,
    )
    t.throws(
      () => resolveOptions({ families: { ...families, registry: {} } as never }),
      /families must come from createEntrywayMetrics/,
    )
    t.equal(resolveOptions({ families }).registry, families.registry)
  },
)
