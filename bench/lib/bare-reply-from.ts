// The baseline hop: fastify + @fastify/reply-from with default undici pooling, nothing else.
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type fastify from 'fastify'
import type replyFromPlugin from '@fastify/reply-from'

// bench/ is not a workspace package: borrow the proxy package's dependencies
const require = createRequire(new URL('../../packages/proxy/package.json', import.meta.url))
const Fastify = require('fastify') as typeof fastify
const replyFrom = require('@fastify/reply-from') as typeof replyFromPlugin

const app = Fastify({ logger: false })
await app.register(replyFrom, { base: process.env.ORIGIN_URL!, disableRequestLogging: true })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
app.all('/*', (_req, reply) => reply.from())
await app.listen({ port: 0, host: '127.0.0.1' })
console.log(JSON.stringify({ port: (app.server.address() as AddressInfo).port }))
