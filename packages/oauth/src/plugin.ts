import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { OAuthProvider } from '@atproto/oauth-provider/provider'
import { resolveOptions, type OAuthPluginOptions } from './options.js'
import { buildProvider } from './build-provider.js'
import { mountProvider } from './mount-provider.js'
import { mountRoutes, nsidsOf } from '@entryway/xrpc'
import { dereferenceScopeRoute } from './routes/com.atproto.temp.dereferenceScope.js'

export interface EntrywayOAuth {
  /** The reference provider, for callers that need its verifier (resource routes on the Entryway). */
  readonly provider: OAuthProvider
  /**
   * Ends every OAuth session of an account and signs it out of every browser: call on password
   * change, takedown and deletion. Refreshes fail at once; issued access tokens run out (≤ 15 min).
   */
  revokeAccountSessions(did: string): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    entrywayOAuth: EntrywayOAuth
  }
}

async function oauthPlugin(app: FastifyInstance, raw: OAuthPluginOptions): Promise<void> {
  const opts = resolveOptions(raw)
  const provider = await buildProvider(opts)
  const { tokens, deviceAccounts } = opts.stores
  app.decorate('entrywayOAuth', {
    provider,
    async revokeAccountSessions(did: string) {
      await tokens.deleteAccountTokens(did)
      await deviceAccounts.removeAccount(did)
    },
  } satisfies EntrywayOAuth)
  await mountRoutes(app, OAUTH_ROUTES, { scopeRefs: opts.stores.scopeRefs }, null)
  await mountProvider(app, provider)
}

export const entrywayOAuth = fp(oauthPlugin, {
  name: '@entryway/oauth',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
})

/** The XRPC route modules of the plugin (the provider's own paths are `PROVIDER_PATHS`). */
export const OAUTH_ROUTES = [dereferenceScopeRoute] as const

/** The XRPC methods the plugin serves (the proxy must not forward them). */
export const OAUTH_NSIDS: readonly string[] = nsidsOf(OAUTH_ROUTES)
