import t from 'tap'
import { AdminLoginError } from '../src/index.js'
import { ADMIN_DID, Agent, buildHarness } from './helpers.js'

// fastify-plugin drops Fastify's own `prefix`; the portal takes it as an option and mounts every
// page, form target, redirect and cookie under it.
t.test(
  'the portal lives under its prefix option: pages, forms, redirects and cookies',
  async (t) => {
    const h = await buildHarness(t, {
      prefix: '/ops/portal',
      login: {
        start: async ({ identifier }) => ({
          redirectUrl: `/ops/portal/oauth/callback?test_did=${encodeURIComponent(identifier)}`,
        }),
        callback: async ({ params }) => {
          const did = params.get('test_did')
          if (!did) throw new AdminLoginError('missing')
          return { did }
        },
      },
    })
    const a = new Agent(h.app)
    t.equal((await a.get('/admin/login')).statusCode, 404, 'nothing at the default /admin')
    const first = await a.get('/ops/portal')
    t.equal(first.statusCode, 303)
    t.equal(
      first.headers.location,
      '/ops/portal/login',
      'no session: to the login page under the prefix',
    )
    const page = await a.get('/ops/portal/login')
    t.equal(page.statusCode, 200)
    t.match(page.body, '<base href="/ops/portal/">', 'relative links resolve under the prefix')
    t.match(page.body, 'action="login"')
    const start = await a.form('/ops/portal/login', {
      _csrf: Agent.csrf(page.body),
      identifier: ADMIN_DID,
    })
    t.equal(start.statusCode, 303)
    const cb = await a.get(start.headers.location as string)
    t.equal(cb.headers.location, '/ops/portal', 'signed in: to the dashboard under the prefix')
    t.match(
      String(cb.headers['set-cookie']),
      /Path=\/ops\/portal/,
      'the session cookie is scoped to the prefix',
    )
    const dash = await a.get('/ops/portal')
    t.equal(dash.statusCode, 200)
    t.match(dash.body, 'href="audit"')
    t.notMatch(dash.body, '/admin', 'no link leaves the prefix')
  },
)

t.test('a prefix that is not a plain path is refused at registration', async (t) => {
  await t.rejects(buildHarness(t, { prefix: 'admin/' }), /prefix must be a path/)
})
