import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import type { Resolved } from '@entryway/xrpc'
import {
  entrywayProxy,
  resolveOptions,
  type AccessTokenVerifier,
  type AccountRoutes,
  type HostDirectory,
  type ProxyMetrics,
  type ProxyOptions,
  type ResolvedProxyOptions,
} from '@entryway/proxy'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

declare const hosts: HostDirectory
declare const accounts: AccountRoutes
declare const didResolver: ProxyOptions['didResolver']
declare const verifyAccessToken: AccessTokenVerifier

const valid = { hosts, accounts, didResolver, verifyAccessToken, entrywayDid: 'did:web:e.test' }
const { entrywayDid: _d, ...withoutDid } = valid

describe('ProxyOptions', () => {
  test('the required options are exactly these', () => {
    expect<RequiredKeys<ProxyOptions>>().type.toBe<
      'hosts' | 'accounts' | 'didResolver' | 'verifyAccessToken' | 'entrywayDid'
    >()
    expect(valid).type.toBeAssignableTo<ProxyOptions>()
    expect(withoutDid).type.not.toBeAssignableTo<ProxyOptions>()
  })

  test('wrong types are errors', () => {
    expect({ ...valid, upstreamTimeoutMs: '30s' }).type.not.toBeAssignableTo<ProxyOptions>()
    expect({ ...valid, allowedOrigins: 'https://a.test' }).type.not.toBeAssignableTo<ProxyOptions>()
  })

  test('now is () => number', () => {
    expect<ProxyOptions['now']>().type.toBe<(() => number) | undefined>()
    expect({ ...valid, now: () => new Date() }).type.not.toBeAssignableTo<ProxyOptions>()
  })

  test('metrics is a ProxyMetrics or null', () => {
    expect<ProxyOptions['metrics']>().type.toBe<ProxyMetrics | null | undefined>()
  })

  test('resolveOptions: Resolved<ProxyOptions> with the lists kept as sets', () => {
    type Expected = Resolved<
      ProxyOptions,
      { allowedOrigins: ReadonlySet<string>; ownedNsids: ReadonlySet<string> }
    >
    const o = resolveOptions(valid)
    expect(o).type.toBe<Readonly<ResolvedProxyOptions>>()
    expect(o).type.toBeAssignableTo<Expected>()
    expect<Expected>().type.toBeAssignableTo<Readonly<ResolvedProxyOptions>>()
    expect(o.now).type.toBe<() => number>()
  })
})

describe('app.register(entrywayProxy, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(app.register(entrywayProxy, valid)).type.not.toRaiseError()
  })

  test('a missing required option is an error', () => {
    expect(app.register(entrywayProxy, withoutDid)).type.toRaiseError("'entrywayDid'")
  })

  test('a wrong type is an error', () => {
    expect(app.register(entrywayProxy, { ...valid, circuitThreshold: '5' })).type.toRaiseError()
  })

  test('it decorates nothing (encapsulated)', () => {
    expect(app).type.not.toHaveProperty('entrywayProxy')
  })
})
