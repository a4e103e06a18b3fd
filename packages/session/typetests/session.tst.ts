import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import {
  entrywaySession,
  resolveOptions,
  type AccountStore,
  type AppPasswordStore,
  type DidDocResolver,
  type EmailTokenStore,
  type JwtKeyring,
  type Mailer,
  type PlcOperator,
  type ResolvedSessionOptions,
  type SessionPluginOptions,
  type SessionRefreshStore,
} from '@entryway/session'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

declare const accounts: AccountStore
declare const appPasswords: AppPasswordStore
declare const emailTokens: EmailTokenStore
declare const refreshTokens: SessionRefreshStore
declare const keyring: JwtKeyring
declare const didResolver: DidDocResolver
declare const mailer: Mailer
declare const plc: PlcOperator

const valid = {
  accounts,
  appPasswords,
  emailTokens,
  refreshTokens,
  keyring,
  didResolver,
  mailer,
  plc,
  entrywayDid: 'did:web:entryway.test',
  serviceName: 'Entryway',
  pdsAdminPassword: 'admin-pass',
}
const { keyring: _k, ...withoutKeyring } = valid

describe('SessionPluginOptions', () => {
  test('the required options are exactly these', () => {
    expect<RequiredKeys<SessionPluginOptions>>().type.toBe<
      | 'accounts'
      | 'appPasswords'
      | 'emailTokens'
      | 'refreshTokens'
      | 'keyring'
      | 'entrywayDid'
      | 'didResolver'
      | 'mailer'
      | 'serviceName'
      | 'pdsAdminPassword'
    >()
    expect(valid).type.toBeAssignableTo<SessionPluginOptions>()
    expect(withoutKeyring).type.not.toBeAssignableTo<SessionPluginOptions>()
    expect<Omit<SessionPluginOptions, 'mailer'>>().type.not.toBeAssignableTo<SessionPluginOptions>()
  })

  test('mailer may be null (no mail server), never absent', () => {
    expect({ ...valid, mailer: null }).type.toBeAssignableTo<SessionPluginOptions>()
  })

  test('wrong types are errors', () => {
    expect({ ...valid, entrywayDid: 1 }).type.not.toBeAssignableTo<SessionPluginOptions>()
    expect({ ...valid, passwordConcurrency: '2' }).type.not.toBeAssignableTo<SessionPluginOptions>()
    expect({ ...valid, rateLimits: true }).type.not.toBeAssignableTo<SessionPluginOptions>()
    expect({ ...valid, rateLimits: false as const }).type.toBeAssignableTo<SessionPluginOptions>()
  })

  test('now is () => number', () => {
    expect<SessionPluginOptions['now']>().type.toBe<(() => number) | undefined>()
    expect({ ...valid, now: () => new Date() }).type.not.toBeAssignableTo<SessionPluginOptions>()
  })

  test('resolveOptions fills defaults', () => {
    const o = resolveOptions(valid)
    expect(o).type.toBe<Readonly<ResolvedSessionOptions>>()
    expect(o.now).type.toBe<() => number>()
    expect(o.serviceUrl).type.toBe<string>()
    expect(o.plc).type.toBe<PlcOperator>()
  })
})

describe('app.register(entrywaySession, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(app.register(entrywaySession, valid)).type.not.toRaiseError()
  })

  test('a missing required option is an error', () => {
    expect(app.register(entrywaySession, withoutKeyring)).type.toRaiseError("'keyring'")
  })

  test('a wrong type is an error', () => {
    expect(app.register(entrywaySession, { ...valid, serviceName: 42 })).type.toRaiseError()
  })
})
