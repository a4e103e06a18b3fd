import type { FastifyInstance } from 'fastify'
import { entrywayOAuth, type OAuthLink } from '@entryway/oauth'
import type { GatewayContext } from '../context.js'
import { createKyselyOAuthStores } from '@entryway/oauth/postgres'
import { StoreOAuthAccountBackend } from './oauth-account-backend.js'
import { KyselyAccountStore, KyselyEmailTokenStore } from '@entryway/session/postgres'

/**
 * Registers the OAuth authorization server: the provider on the Postgres stores, signing with the
 * same ES256K key as legacy sessions (a rotation moves both at once).
 */
export async function wireOAuth(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg, keyring, database } = ctx
  const links: OAuthLink[] = []
  if (cfg.service.links.privacyPolicy)
    links.push({
      title: 'Privacy Policy',
      href: cfg.service.links.privacyPolicy,
      rel: 'privacy-policy',
    })
  if (cfg.service.links.termsOfService)
    links.push({
      title: 'Terms of Service',
      href: cfg.service.links.termsOfService,
      rel: 'terms-of-service',
    })

  await app.register(entrywayOAuth, {
    issuer: cfg.service.publicUrl,
    serviceName: cfg.service.name,
    signingKey: {
      privateJwk: await keyring.signingJwk(),
      previousPublicJwks: keyring.previousPublicJwks(),
    },
    // ENTRYWAY_OAUTH_DPOP_SECRET_HEX, else derived from the JWT key (every instance alike)
    dpopSecret: ctx.secrets.oauthDpopSecret,
    accounts: new StoreOAuthAccountBackend({
      accounts: new KyselyAccountStore(database.db),
      gate: ctx.passwordGate,
      limits: ctx.rateLimits.session,
      emailTokens: new KyselyEmailTokenStore(database.db),
      // the session plugin's code mails and outbox: without SMTP a 2FA sign-in is refused at once
      tokenEmails: ctx.mail.tokenEmails,
      outbox: ctx.outbox.worker,
      log: app.log.child({ component: 'oauth-sign-in' }),
    }),
    stores: createKyselyOAuthStores(database.db),
    links,
    ...(cfg.caches.oauthClient.entries ? { clientCacheSize: cfg.caches.oauthClient.entries } : {}),
    ...(cfg.caches.oauthClient.bytes ? { clientCacheMaxBytes: cfg.caches.oauthClient.bytes } : {}),
  })
}
