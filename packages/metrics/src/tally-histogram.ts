import type { Registry } from 'prom-client'

interface Series<L> {
  labels: L
  /** Per bucket (not cumulative); the last slot is `+Inf`. */
  counts: Float64Array
  sum: number
  count: number
}

interface MetricValue {
  labels: Record<string, string | number>
  value: number
  metricName: string
}

/**
 * A Prometheus histogram for the per-request hot path, scraped like prom-client's own (it sits
 * on the same registry and renders the same `_bucket`/`_sum`/`_count` lines). The caller names
 * each label set with a string key it builds cheaply; an observation is then one map lookup and
 * a bucket scan, where prom-client's `observe` validates and hashes the label object each time
 * (~0.45 µs, twice a proxied request).
 */
export class TallyHistogram<L extends Record<string, string>> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series = new Map<string, Series<L>>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never)
  }

  /** `key` must identify `labels` (built from the same values); `labels` is read on first use only. */
  observe(key: string, labels: () => L, value: number): void {
    let s = this.series.get(key)
    if (s === undefined) {
      s = { labels: labels(), counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    const b = this.buckets
    let i = 0
    while (i < b.length && value > b[i]!) i++
    s.counts[i]!++
    s.sum += value
    s.count++
  }

  /** Observations so far per label set (what a `_total` counter of the same labels would say). */
  *totals(): IterableIterator<{ labels: L; count: number }> {
    for (const s of this.series.values()) yield { labels: s.labels, count: s.count }
  }

  reset(): void {
    this.series.clear()
  }

  /** The metric as prom-client's registry renders it. */
  async get(): Promise<{
    name: string
    help: string
    type: string
    aggregator: string
    values: MetricValue[]
  }> {
    const values: MetricValue[] = []
    const bucketName = `${this.name}_bucket`
    for (const s of this.series.values()) {
      let acc = 0
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]!
        values.push({
          labels: { le: this.buckets[i]!, ...s.labels },
          value: acc,
          metricName: bucketName,
        })
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucketName })
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` })
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` })
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    }
  }
}
