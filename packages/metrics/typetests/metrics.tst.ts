import fastify from 'fastify'
import type { Registry } from 'prom-client'
import { describe, expect, test } from 'tstyche'
import type { Resolved } from '@entryway/xrpc'
import {
  entrywayMetrics,
  resolveOptions,
  type EntrywayMetrics,
  type MetricsPluginOptions,
  type ResolvedMetricsOptions,
} from '@entryway/metrics'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

describe('MetricsPluginOptions', () => {
  test('every option is optional', () => {
    expect<RequiredKeys<MetricsPluginOptions>>().type.toBe<never>()
    expect<object>().type.toBeAssignableTo<MetricsPluginOptions>()
  })

  test('wrong types are errors', () => {
    expect<{ path: number }>().type.not.toBeAssignableTo<MetricsPluginOptions>()
    expect<{ registry: object }>().type.not.toBeAssignableTo<MetricsPluginOptions>()
    expect<{ defaultMetrics: 'yes' }>().type.not.toBeAssignableTo<MetricsPluginOptions>()
    expect<{ httpBuckets: string[] }>().type.not.toBeAssignableTo<MetricsPluginOptions>()
    expect<{ path: null; token: null }>().type.toBeAssignableTo<MetricsPluginOptions>()
  })

  test('resolveOptions fills every default: Resolved<MetricsPluginOptions>', () => {
    expect(resolveOptions()).type.toBe<Readonly<ResolvedMetricsOptions>>()
    expect<Readonly<ResolvedMetricsOptions>>().type.toBeAssignableTo<
      Resolved<MetricsPluginOptions>
    >()
    expect<Resolved<MetricsPluginOptions>>().type.toBeAssignableTo<
      Readonly<ResolvedMetricsOptions>
    >()
  })
})

describe('app.register(entrywayMetrics, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(
      app.register(entrywayMetrics, { path: '/m', token: 'x'.repeat(16) }),
    ).type.not.toRaiseError()
    expect(app.register(entrywayMetrics, {})).type.not.toRaiseError()
  })

  test('invalid options are errors', () => {
    expect(app.register(entrywayMetrics, { path: 1 })).type.toRaiseError()
    expect(app.register(entrywayMetrics, { defaultMetrics: 'no' })).type.toRaiseError()
  })
})

describe('decorators', () => {
  const app = fastify()

  test('entrywayMetrics and entrywayMetricsRegistry', () => {
    expect(app.entrywayMetrics).type.toBe<EntrywayMetrics>()
    expect(app.entrywayMetricsRegistry).type.toBe<Registry>()
  })
})
