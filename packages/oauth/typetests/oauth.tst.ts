import fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import {
  entrywayOAuth,
  resolveOptions,
  type EntrywayOAuth,
  type OAuthAccountBackend,
  type OAuthPluginOptions,
  type OAuthStores,
  type ResolvedOAuthOptions,
} from '@entryway/oauth'

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]

declare const accounts: OAuthAccountBackend
declare const stores: OAuthStores

const valid = {
  issuer: 'https://entryway.test',
  serviceName: 'Entryway',
  signingKey: { privateJwk: { kty: 'EC', crv: 'secp256k1' } },
  dpopSecret: new Uint8Array(32),
  accounts,
  stores,
}
const { stores: _s, ...withoutStores } = valid

describe('OAuthPluginOptions', () => {
  test('the required options are exactly these', () => {
    expect<RequiredKeys<OAuthPluginOptions>>().type.toBe<
      'issuer' | 'serviceName' | 'signingKey' | 'dpopSecret' | 'accounts' | 'stores'
    >()
    expect(valid).type.toBeAssignableTo<OAuthPluginOptions>()
    expect(withoutStores).type.not.toBeAssignableTo<OAuthPluginOptions>()
  })

  test('wrong types are errors', () => {
    expect({ ...valid, dpopSecret: 'x'.repeat(32) }).type.not.toBeAssignableTo<OAuthPluginOptions>()
    expect({ ...valid, signingKey: 'jwk' }).type.not.toBeAssignableTo<OAuthPluginOptions>()
    expect({ ...valid, tokenMaxAgeMs: '15m' }).type.not.toBeAssignableTo<OAuthPluginOptions>()
    expect({
      ...valid,
      links: [{ title: 'Terms', href: 'https://e.test/tos', rel: 'cookies' as const }],
    }).type.not.toBeAssignableTo<OAuthPluginOptions>()
  })

  test('resolveOptions fills defaults', () => {
    const o = resolveOptions(valid)
    expect(o).type.toBe<Readonly<ResolvedOAuthOptions>>()
    expect(o.tokenMaxAgeMs).type.toBe<number>()
    expect(o.signingKey.previousPublicJwks).type.toBe<readonly Record<string, unknown>[]>()
  })
})

describe('app.register(entrywayOAuth, opts)', () => {
  const app = fastify()

  test('valid options type-check', () => {
    expect(app.register(entrywayOAuth, valid)).type.not.toRaiseError()
  })

  test('a missing required option is an error', () => {
    expect(app.register(entrywayOAuth, withoutStores)).type.toRaiseError("'stores'")
  })

  test('a wrong type is an error', () => {
    expect(
      app.register(entrywayOAuth, { ...valid, issuer: new URL('https://e.test') }),
    ).type.toRaiseError()
  })
})

describe('decorators', () => {
  test('app.entrywayOAuth', () => {
    const oauth = fastify().entrywayOAuth
    expect(oauth).type.toBe<EntrywayOAuth>()
    expect(oauth.revokeAccountSessions).type.toBe<(did: string) => Promise<void>>()
    expect(() => {
      oauth.provider = oauth.provider
    }).type.toRaiseError('read-only')
  })
})
