import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { InvalidRequestError } from './errors.js'

// Input the database cannot store is refused here, before any store sees it: Postgres text holds
// no NUL and only well-formed UTF-8 (a lone surrogate has no encoding), and its integer columns
// are 32-bit. Every such value is a client's mistake, so it is a 400, never the 500 a store's
// failure would make.

/** Largest integer the Entryway accepts in an input (its counts and limits are `integer` columns). */
export const MAX_INPUT_INTEGER = 2 ** 31 - 1
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** Deeper input is not walked further: the lexicon or the route refuses it anyway. */
const MAX_DEPTH = 64

/** Why `value` cannot be stored (naming the field), or null when every part of it can. */
export function unstorableReason(value: unknown, path = 'input', depth = 0): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return `${path} must not contain NUL characters`
    if (LONE_SURROGATE.test(value))
      return `${path} must be well-formed Unicode (no lone surrogates)`
    return null
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) <= MAX_INPUT_INTEGER
      ? null
      : `${path} is out of range`
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = unstorableReason(value[i], `${path}/${i}`, depth + 1)
      if (r) return r
    }
    return null
  }
  for (const [k, v] of Object.entries(value)) {
    const r =
      unstorableReason(k, `${path} key`, depth + 1) ??
      unstorableReason(v, `${path}/${k}`, depth + 1)
    if (r) return r
  }
  return null
}

/** Throws `InvalidRequest` (400) when `value` holds anything the database cannot store. */
export function assertStorable(value: unknown, path = 'input'): void {
  const reason = unstorableReason(value, path)
  if (reason) throw new InvalidRequestError(reason)
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route passes its request on unread (the proxy, the OAuth provider): not checked here. */
    rawInput?: boolean
  }
}

function checkRequest(req: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  if (req.routeOptions.config?.rawInput) return done()
  const body = req.body
  const reason =
    unstorableReason(req.query, 'query') ??
    unstorableReason(req.params, 'path') ??
    (body !== null &&
    typeof body === 'object' &&
    !Buffer.isBuffer(body) &&
    typeof (body as { pipe?: unknown }).pipe !== 'function'
      ? unstorableReason(body, 'input')
      : null) ??
    (typeof body === 'string' ? unstorableReason(body, 'input') : null)
  done(reason ? new InvalidRequestError(reason) : undefined)
}

async function storableInputPlugin(app: FastifyInstance) {
  app.addHook('preHandler', checkRequest)
}

/**
 * Refuses, on every route the Entryway answers itself, a query, path parameter or parsed body
 * holding a string or number the database cannot store (see `unstorableReason`). Routes that
 * pass the raw request on say `config: { rawInput: true }`. Register once at the root.
 */
export const storableInput = fp(storableInputPlugin, {
  name: '@entryway/xrpc/storable-input',
  fastify: '5.x',
})
