import t, { type Test } from 'tap'
import Fastify from 'fastify'
import {
  xrpcErrorHandler,
  InvalidRequestError,
  MethodNotImplementedError,
  UpstreamTimeoutError,
  assertValidXrpcInput,
} from '../src/index.js'

async function build(t: Test) {
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  app.get('/lexicon-error', async () => {
    throw new InvalidRequestError('handle is taken', 'HandleNotAvailable')
  })
  app.get('/crash', async () => {
    throw new Error('secret internal detail')
  })
  app.get('/timeout', async () => {
    throw new UpstreamTimeoutError('pds1 did not answer in 5000 ms')
  })
  app.post('/validated', async (req) => {
    assertValidXrpcInput('com.atproto.server.createSession', req.body)
    return { ok: true }
  })
  app.post('/json', async (req) => req.body)
  app.get('/not-here', async () => {
    throw new MethodNotImplementedError('subscribe to each PDS instead')
  })
  t.teardown(() => app.close())
  return app
}

t.test('lexicon errors keep their name and a 400', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/lexicon-error' })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'HandleNotAvailable', message: 'handle is taken' })
})

t.test('unexpected errors become 500 without leaking their message', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/crash' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { error: 'InternalServerError', message: 'Internal Server Error' })
  t.notMatch(res.body, /secret/)
})

t.test('501 keeps the message written for the client', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/not-here' })
  t.equal(res.statusCode, 501)
  t.same(res.json(), { error: 'MethodNotImplemented', message: 'subscribe to each PDS instead' })
})

t.test('upstream timeouts are 504 UpstreamTimeout', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/timeout' })
  t.equal(res.statusCode, 504)
  t.equal(res.json().error, 'UpstreamTimeout')
})

t.test('malformed JSON is a 400 InvalidRequest, not a crash', async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/json',
    headers: { 'content-type': 'application/json' },
    payload: '{"a":',
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'InvalidRequest')
})

t.test('lexicon validation rejects a body missing required fields', async (t) => {
  const app = await build(t)
  const bad = await app.inject({
    method: 'POST',
    url: '/validated',
    payload: { identifier: 'alice.test' },
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error, 'InvalidRequest')
  t.match(bad.json().message, /password/)
  const good = await app.inject({
    method: 'POST',
    url: '/validated',
    payload: { identifier: 'alice.test', password: 'x' },
  })
  t.equal(good.statusCode, 200)
})
