import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { RouteModule } from '@entryway/xrpc'
import { gatePage, gatePageCsp, type GatePageInput } from '../gate-page.js'
import type { PlacementRateLimits } from '../options.js'
import type { PlacementRouteDeps } from '../route-deps.js'
import type { SignupGate } from '../signup-gate.js'

export const GATE_SIGNUP_PATH = '/gate/signup'
const FORM_BODY_LIMIT = 16 * 1024

/**
 * `GET /gate/signup?handle&state[&colorScheme][&redirect_url]`: the challenge page the Bluesky app
 * opens in a web view. `POST /gate/signup` (the page's form, with the widget's token): the token
 * is checked with the provider server-side, then a 303 to the redirect with `code` and `state`,
 * which the app reads and sends to createAccount as `verificationCode`.
 */
export const gateSignupRoute: RouteModule<PlacementRouteDeps, keyof PlacementRateLimits> = {
  rateLimits: [{ name: 'signupGatePerIp', per: 'ip' }],
  async register(app, deps) {
    // mounted only with a gate
    const gate: SignupGate = deps.o.signupGate!
    // own scope: the form parser stays here
    await app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
        (_req, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(body as string)))
        },
      )

      const page = (
        reply: FastifyReply,
        status: number,
        input: Omit<GatePageInput, 'serviceName' | 'provider' | 'siteKey' | 'scriptUrl' | 'nonce'>,
      ) => {
        const nonce = randomBytes(16).toString('base64')
        return reply
          .code(status)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header(
            'content-security-policy',
            gatePageCsp({
              provider: gate.provider,
              scriptUrl: gate.scriptUrl,
              nonce,
              redirects: gate.redirects,
            }),
          )
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .send(
            gatePage({
              serviceName: gate.serviceName,
              provider: gate.provider,
              siteKey: gate.siteKey,
              scriptUrl: gate.scriptUrl,
              nonce,
              ...input,
            }),
          )
      }

      scope.get(GATE_SIGNUP_PATH, async (req, reply) => {
        const q = (req.query ?? {}) as Record<string, unknown>
        const colorScheme = typeof q.colorScheme === 'string' ? q.colorScheme : undefined
        const parsed = gate.parseRequest(q)
        if ('error' in parsed) return page(reply, 400, { error: parsed.error, colorScheme })
        return page(reply, 200, { form: parsed, colorScheme })
      })

      scope.post(GATE_SIGNUP_PATH, async (req, reply) => {
        const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<
          string,
          unknown
        >
        const parsed = gate.parseRequest(body)
        if ('error' in parsed) return page(reply, 400, { error: parsed.error })
        const token = typeof body.token === 'string' ? body.token : ''
        if (!token || token.length > 8192)
          return page(reply, 400, { form: parsed, error: 'Complete the challenge first.' })
        const verdict = await gate.verifyToken(token, req.ip)
        if (!verdict.ok) {
          if (verdict.reason === 'unavailable')
            req.log.warn('captcha verification service unavailable')
          return verdict.reason === 'rejected'
            ? page(reply, 400, { form: parsed, error: 'The challenge was not passed; try again.' })
            : page(reply, 503, {
                form: parsed,
                error: 'The challenge could not be checked right now; try again in a moment.',
              })
        }
        const code = await gate.issue(parsed.handle, parsed.state)
        const to = new URL(parsed.redirect)
        to.searchParams.set('state', parsed.state)
        to.searchParams.set('code', code)
        return reply
          .code(303)
          .header('cache-control', 'no-store')
          .header('location', to.href)
          .send()
      })
    })
  },
}
