import type { FastifyServerOptions } from 'fastify'

/** Header and body fields that must never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["dpop"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.accessJwt',
  '*.refreshJwt',
  '*.token',
]

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }
}
