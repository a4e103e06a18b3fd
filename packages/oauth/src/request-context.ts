import { AsyncLocalStorage } from 'node:async_hooks'

/** What the provider's stores may know of the HTTP request being served. */
export interface ProviderRequestContext {
  /** The client address as Fastify computed it (trusted proxies applied). */
  ip: string
}

/**
 * The provider calls its stores without the request (`authenticateAccount(data)`); the mount runs
 * each request inside this context so the account backend can limit sign-ins per client address.
 */
export const providerRequest = new AsyncLocalStorage<ProviderRequestContext>()
