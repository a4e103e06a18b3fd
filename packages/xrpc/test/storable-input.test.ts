import t from 'tap'
import Fastify from 'fastify'
import {
  assertValidXrpcInput,
  assertValidXrpcParams,
  storableInput,
  unstorableReason,
  xrpcErrorHandler,
} from '../src/index.js'

// What the database cannot store is a 400 here, before any store: NUL, lone surrogates, numbers
// past a 32-bit integer. Both the lexicon helpers and the route-wide hook refuse it.

t.test('unstorableReason names the field and the fault', async (t) => {
  t.equal(unstorableReason({ a: 'fine', b: ['é', 'e\u0301', '👨‍👩‍👧‍👦'], n: 2 ** 31 - 1 }), null)
  t.match(unstorableReason({ a: { token: 'x\u0000y' } }), /input\/a\/token must not contain NUL/)
  t.match(unstorableReason(['ok', '\ud800']), /input\/1 must be well-formed Unicode/)
  t.match(unstorableReason('\udfffx'), /well-formed/)
  t.match(unstorableReason({ useCount: 2 ** 40 }), /input\/useCount is out of range/)
  t.match(unstorableReason({ ['k\u0000']: 1 }), /key must not contain NUL/)
})

t.test('the lexicon helpers refuse unstorable input with 400 InvalidRequest', async (t) => {
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  app.post('/input', async (req) => {
    assertValidXrpcInput('com.atproto.server.resetPassword', req.body)
    return { ok: true }
  })
  app.get('/params', async (req) => {
    assertValidXrpcParams('com.atproto.admin.getInviteCodes', req.query as Record<string, unknown>)
    return { ok: true }
  })
  t.teardown(() => app.close())
  const nul = await app.inject({
    method: 'POST',
    url: '/input',
    payload: { token: 'abc\u0000', password: 'new-pass' },
  })
  t.equal(nul.statusCode, 400)
  t.same(nul.json(), {
    error: 'InvalidRequest',
    message: 'input/token must not contain NUL characters',
  })
  const lone = await app.inject({
    method: 'POST',
    url: '/input',
    headers: { 'content-type': 'application/json' },
    payload: '{"token":"\\ud800","password":"p"}',
  })
  t.equal(lone.statusCode, 400)
  t.equal(lone.json().error, 'InvalidRequest')
  const q = await app.inject({ method: 'GET', url: '/params?cursor=%00' })
  t.equal(q.statusCode, 400)
  t.match(q.json().message, /query\/cursor must not contain NUL/)
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/input',
        payload: { token: 'abc', password: 'new-pass' },
      })
    ).statusCode,
    200,
  )
})

t.test(
  'storableInput refuses query, path and body of every route but those marked rawInput',
  async (t) => {
    const app = Fastify({ logger: false })
    await app.register(xrpcErrorHandler)
    await app.register(storableInput)
    app.post('/plain/:id', async () => ({ ok: true }))
    app.post('/raw', { config: { rawInput: true } }, async () => ({ ok: true }))
    t.teardown(() => app.close())
    const cases = [
      { url: '/plain/x?q=%00', payload: {}, where: /query\/q/ },
      { url: '/plain/%00', payload: {}, where: /path\/id/ },
      { url: '/plain/x', payload: { url: 'https://a\u0000.test' }, where: /input\/url/ },
      { url: '/plain/x', payload: { weight: 1e20 }, where: /input\/weight is out of range/ },
    ]
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: c.url, payload: c.payload })
      t.equal(res.statusCode, 400, c.url)
      t.match(res.json(), { error: 'InvalidRequest', message: c.where })
    }
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/plain/x?q=a',
          payload: { url: 'https://a.test' },
        })
      ).statusCode,
      200,
    )
    t.equal(
      (await app.inject({ method: 'POST', url: '/raw?q=%00', payload: { a: '\u0000' } }))
        .statusCode,
      200,
      'a pass-through route is left alone',
    )
  },
)
