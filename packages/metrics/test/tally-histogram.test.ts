import t from 'tap'
import { Histogram, Registry } from 'prom-client'
import { TallyHistogram } from '../src/tally-histogram.js'

t.test('renders exactly what prom-client renders for the same observations', async (t) => {
  const ours = new Registry()
  const theirs = new Registry()
  const buckets = [0.001, 0.01, 0.1]
  const tally = new TallyHistogram<{ host: string; status: string }>(
    'up',
    'upstream',
    buckets,
    ours,
  )
  const ref = new Histogram({
    name: 'up',
    help: 'upstream',
    labelNames: ['host', 'status'],
    buckets,
    registers: [theirs],
  })
  // on a bound, between bounds, above the last one, and a second label set
  const seen: Array<[string, string, number]> = [
    ['http://a', '200', 0.001],
    ['http://a', '200', 0.005],
    ['http://a', '200', 3],
    ['http://b', '502', 0.0001],
  ]
  for (const [host, status, v] of seen) {
    tally.observe(`${host} ${status}`, () => ({ host, status }), v)
    ref.observe({ host, status }, v)
  }
  t.equal(await ours.metrics(), await theirs.metrics())
  t.same(
    [...tally.totals()].map((x) => x.count),
    [3, 1],
  )
  ours.resetMetrics()
  t.notMatch(await ours.metrics(), /up_count/, 'reset drops every series')
})
