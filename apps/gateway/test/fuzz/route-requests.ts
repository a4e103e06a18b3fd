import fc from 'fast-check'
import { hostileString, hostileValue } from './hostile-values.js'
import {
  lexValue,
  methodDef,
  POISONS,
  poisonedValue,
  type KnownValues,
} from './lexicon-arbitraries.js'
import type { CollectedRoute } from './fuzz-target.js'

// One request arbitrary per registered route: the lexicon's params and body for XRPC methods, a
// vocabulary of the route's own fields for the others (OAuth, admin portal, com.entryway.*, the
// proxy's routing parameters and headers), sent in every encoding and with every credential.

export type AuthKind =
  'none' | 'access' | 'appPassword' | 'refresh' | 'adminBasic' | 'service' | 'portal' | 'malformed'

export interface FuzzRequest {
  /** The route it was made for (as registered). */
  route: string
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH'
  path: string
  query: string
  auth: AuthKind
  /** Authorization header text when `auth` is `malformed`. */
  malformedAuth?: string
  headers: Record<string, string>
  body?: string
}

/** Percent-encoded; a lone surrogate (which has no UTF-8) becomes the bytes of an encoded one. */
const pathEncode = (s: string) =>
  s.isWellFormed() ? encodeURIComponent(s) : `${encodeURIComponent(s.toWellFormed())}%ED%A0%80`

/** Every credential on every route (a route refuses those it does not take), the common ones more often. */
const AUTH_WEIGHTS: [AuthKind, number][] = [
  ['none', 2],
  ['access', 3],
  ['appPassword', 1],
  ['refresh', 1],
  ['adminBasic', 3],
  ['service', 1],
  ['portal', 1],
  ['malformed', 1],
]
const authArb: fc.Arbitrary<AuthKind> = fc.oneof(
  ...AUTH_WEIGHTS.map(([kind, weight]) => ({ weight, arbitrary: fc.constant(kind) })),
)
/** The admin portal's routes are mostly called with its session cookie (and CSRF token). */
const portalAuthArb: fc.Arbitrary<AuthKind> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<AuthKind>('portal') },
  { weight: 1, arbitrary: authArb },
)

const malformedAuth = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer a.b.c',
    'Basic',
    'Basic %%%',
    'Basic ' + Buffer.from('admin').toString('base64'),
    'DPoP abc',
    'Bearer ' + 'a'.repeat(9000),
    'Bearer e30.e30.',
    'Bearer eyJhbGciOiJub25lIn0.e30.',
  ),
  hostileString(50).map((s) => `Bearer ${s}`),
  hostileString(50).map((s) => `Basic ${Buffer.from(`admin:${s}`).toString('base64')}`),
)

const safeJson = (x: unknown): string => {
  try {
    return (JSON.stringify(x) ?? '').toWellFormed()
  } catch {
    return '[too deep]'
  }
}

/** URL query of a params object: arrays repeat the key, other values are their string forms. */
function toQuery(params: Record<string, unknown>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    for (const x of Array.isArray(v) ? v : [v])
      q.append(k, typeof x === 'string' ? x.toWellFormed() : safeJson(x))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

const rawQuery = fc.constantFrom(
  '?%00=%00',
  '?a[b]=c',
  '?limit=%ZZ',
  '?&&&',
  '?__proto__=x',
  '?a=' + 'x'.repeat(9000),
  '?=',
  '?%E0%A4%A=1',
  '?%ED%A0%80=1',
)

/** A form body of an object's fields (other values give an empty form). */
function formEncode(v: unknown): string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return ''
  return toQuery(v as Record<string, unknown>).slice(1)
}

/** A body of the declared value, in the declared encoding or a broken one. */
function bodyVariants(
  value: fc.Arbitrary<unknown>,
): fc.Arbitrary<{ body?: string; headers: Record<string, string> }> {
  const json = { 'content-type': 'application/json' }
  return fc.oneof(
    {
      weight: 8,
      arbitrary: value.map((v) => ({ body: JSON.stringify(v) ?? 'null', headers: json })),
    },
    {
      weight: 1,
      arbitrary: value.map((v) => ({
        body: JSON.stringify(v) ?? 'null',
        headers: { 'content-type': 'text/plain' },
      })),
    },
    {
      weight: 1,
      arbitrary: value.map((v) => ({
        body: formEncode(v),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })),
    },
    {
      weight: 1,
      arbitrary: value.chain((v) => {
        const s = JSON.stringify(v) ?? 'null'
        return fc.nat(s.length).map((n) => ({ body: s.slice(0, n), headers: json }))
      }),
    },
    {
      weight: 1,
      arbitrary: value.map((v) => {
        const s = JSON.stringify(v) ?? 'null'
        return { body: s, headers: { ...json, 'content-length': String(s.length + 10) } }
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          '{',
          '{"a":',
          'nul',
          '\u0000',
          '{"a":"\\u0000"}',
          '{"a":"\\ud800"}',
          '[]',
          'null',
          '"x"',
          '1e400',
          '{"a":1,"a":2}',
        )
        .map((body) => ({ body, headers: json })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(3_000, 100_000)
        .map((d) => ({ body: '{"a":'.repeat(d) + '1' + '}'.repeat(d), headers: json })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(3_000, 100_000)
        .map((d) => ({ body: '['.repeat(d) + ']'.repeat(d), headers: json })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        body: JSON.stringify({ a: 'x'.repeat(1024 * 1024) }),
        headers: json,
      }),
    },
    { weight: 1, arbitrary: fc.constant({ body: undefined, headers: {} }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
          'application/cbor',
          '*/*',
          'application/json, text/plain',
        )
        .chain((ct) =>
          value.map((v) => ({
            body: JSON.stringify(v) ?? 'null',
            headers: { 'content-type': ct },
          })),
        ),
    },
  )
}

/** Objects of the given field names with values of any kind (routes without a lexicon). */
function vocabObject(
  fields: string[],
  known: KnownValues,
  values: string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const knownString = fc.constantFrom(
    ...known.dids,
    ...known.handles,
    ...known.emails,
    ...known.strings,
    ...values,
  )
  const poisoned = fc.tuple(knownString, fc.constantFrom(...POISONS)).map(([k, p]) => k + p)
  const val = fc.oneof(
    { weight: 3, arbitrary: knownString },
    { weight: 2, arbitrary: poisoned },
    { weight: 2, arbitrary: hostileValue(100) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  )
  return fc.dictionary(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...fields) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    ),
    val,
    { maxKeys: Math.min(fields.length + 1, 8) },
  )
}

const OAUTH_FIELDS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'code_challenge',
  'code_challenge_method',
  'scope',
  'state',
  'login_hint',
  'grant_type',
  'code',
  'code_verifier',
  'refresh_token',
  'token',
  'token_type_hint',
  'request_uri',
  'client_assertion',
  'client_assertion_type',
  'prompt',
  'response_mode',
  'nonce',
  'dpop_jkt',
]
/** Values that get an OAuth request past its first checks: a loopback client needs no metadata fetch. */
const OAUTH_VALUES = [
  'http://localhost',
  'http://127.0.0.1/',
  'code',
  'S256',
  'x'.repeat(43),
  'atproto',
  'atproto transition:generic',
  'authorization_code',
  'refresh_token',
  'urn:ietf:params:oauth:request_uri:req-00',
]
const OAUTH_API_FIELDS = [
  'username',
  'password',
  'locale',
  'remember',
  'emailOtp',
  'handle',
  'email',
  'token',
  'sub',
  'did',
  'inviteCode',
  'hcaptchaToken',
]
const PORTAL_FIELDS = [
  '_csrf',
  'did',
  'dids',
  'account',
  'takedown',
  'ref',
  'note',
  'password',
  'email',
  'handle',
  'inviteCode',
  'sort',
  'limit',
  'cursor',
  'codes',
  'accounts',
  'useCount',
  'forAccount',
  'recipientDid',
  'subject',
  'content',
  'q',
  'before',
  'format',
  'verify',
  'actor',
  'nsid',
  'code',
  'state',
  'iss',
  'error',
]
const ENTRYWAY_ADMIN_FIELDS = [
  'url',
  'did',
  'id',
  'status',
  'weight',
  'accountCap',
  'internalUrl',
  'host',
  'limit',
  'cursor',
]
const PROXY_PARAMS = [
  'repo',
  'did',
  'uri',
  'actor',
  'handle',
  'collection',
  'rkey',
  'cursor',
  'limit',
  'q',
]

const OAUTH_PATHS = [
  '/oauth/par',
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/authorize',
  '/oauth/authorize/redirect',
  '/oauth/jwks',
  '/oauth/introspect',
  '/oauth/%00',
  '/oauth/' + 'x'.repeat(3000),
]
const OAUTH_API_PATHS = [
  'sign-in',
  'sign-up',
  'sign-out',
  'consent',
  'reject',
  'verify-handle-availability',
  'reset-password-request',
  'reset-password-confirm',
  'revoke-account-session',
  'revoke-oauth-session',
  'device-sessions',
  'oauth-sessions',
  'account-sessions',
  'update-email-request',
  'update-handle',
].map((p) => `/@atproto/oauth-provider/~api/${p}`)

function nsidArb(): fc.Arbitrary<string> {
  const seg = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzA0-'),
    minLength: 1,
    maxLength: 12,
  })
  return fc.oneof(
    fc.constantFrom(
      'app.bsky.feed.getTimeline',
      'com.atproto.repo.getRecord',
      'com.atproto.repo.createRecord',
      'com.atproto.sync.getRepo',
      'com.atproto.sync.subscribeRepos',
      'com.atproto.sync.listRepos',
      'com.atproto.server.getServiceAuth',
      'com.atproto.identity.resolveHandle',
      'chat.bsky.convo.listConvos',
    ),
    fc.tuple(seg, seg, seg).map((s) => s.join('.')),
    hostileString(30).map(pathEncode),
    fc.constantFrom(
      '',
      '.',
      '..',
      '%2e%2e',
      'a/b',
      'com.atproto.server.createSession/x',
      '%00',
      '_health',
    ),
  )
}

/** Concrete paths of a registered route (wildcards and `:params` filled in). */
function pathsOf(route: CollectedRoute): fc.Arbitrary<string> {
  const { url } = route
  if (url === '/oauth/*') return fc.constantFrom(...OAUTH_PATHS)
  if (url === '/@atproto/oauth-provider/*')
    return fc.oneof(
      fc.constantFrom(...OAUTH_API_PATHS),
      fc.constant('/@atproto/oauth-provider/assets/%00'),
    )
  if (url === '/xrpc/*') return nsidArb().map((n) => `/xrpc/${n}`)
  if (url.endsWith('/*'))
    return fc.oneof(
      fc.constant(url.slice(0, -1) + 'x'),
      hostileString(20).map((s) => url.slice(0, -1) + pathEncode(s)),
    )
  if (url.includes(':')) {
    const param = fc.oneof(
      fc.constantFrom(
        'com.atproto.admin.updateSubjectStatus',
        'com.atproto.admin.deleteAccount',
        'com.atproto.server.createInviteCode',
        'com.atproto.admin.sendEmail',
        'nope',
      ),
      hostileString(20).map(pathEncode),
    )
    return param.map((p) => url.replace(/:[A-Za-z]+/g, p))
  }
  return fc.constant(url)
}

/** Which field vocabulary (or lexicon) a route's inputs come from. */
function inputFor(
  route: CollectedRoute,
  known: KnownValues,
): { params: fc.Arbitrary<Record<string, unknown>>; body: fc.Arbitrary<unknown> } {
  const nsid = route.url.startsWith('/xrpc/') ? route.url.slice(6) : ''
  const def = nsid && !nsid.includes('*') ? methodDef(nsid) : null
  if (def) {
    // half the inputs are well-shaped but for one poisoned leaf (what a store cannot hold)
    const paramsOf = (s: NonNullable<typeof def.parameters>) =>
      fc.oneof(
        { weight: 1, arbitrary: lexValue(s, known) },
        { weight: 1, arbitrary: poisonedValue(s, known) },
      )
    const params = def.parameters
      ? (paramsOf(def.parameters) as fc.Arbitrary<Record<string, unknown>>).map((p) =>
          p && typeof p === 'object' && !Array.isArray(p) ? p : {},
        )
      : fc.constant({})
    const schema = def.input?.schema
    const body = schema
      ? fc.oneof(
          { weight: 1, arbitrary: lexValue(schema, known) },
          { weight: 1, arbitrary: poisonedValue(schema, known) },
        )
      : fc.oneof(fc.constant(undefined), hostileValue())
    return { params, body }
  }
  let fields = ENTRYWAY_ADMIN_FIELDS
  if (route.url.startsWith('/oauth') || route.url.startsWith('/.well-known')) fields = OAUTH_FIELDS
  else if (route.url.startsWith('/@atproto/oauth-provider') || route.url.startsWith('/account'))
    fields = OAUTH_API_FIELDS
  else if (route.url.startsWith('/admin')) fields = PORTAL_FIELDS
  else if (route.url === '/xrpc/*') fields = PROXY_PARAMS
  const obj = vocabObject(fields, known, fields === OAUTH_FIELDS ? OAUTH_VALUES : [])
  return { params: obj, body: obj }
}

/** Headers a route reads besides the body's: proxy routing, CSRF, origins, forwarded addresses. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'atproto-proxy': fc.oneof(
      fc.constantFrom(
        'did:web:api.bsky.app#bsky_appview',
        'did:web:pds1.test#atproto_pds',
        'did:plc:fuzzaliceaaaaaaaaaaaaaaa#atproto_pds',
        '#',
        'did:web:',
        'did:web:x#',
        'x#y#z',
      ),
      hostileString(30).map((s) => s.replace(/[^\x20-\x7e]/g, '?')),
    ),
    'atproto-accept-labelers': fc.constantFrom('did:plc:abc;redact', ';;;', 'x'.repeat(500)),
    'x-csrf-token': fc.constantFrom('x', ''),
    origin: fc.constantFrom('null', 'http://evil.test', 'http://localhost'),
    referer: fc.constantFrom('http://localhost/oauth/authorize?request_uri=x', 'not a url'),
    dpop: fc.constantFrom('e30.e30.e30', 'x'),
    cookie: fc.constantFrom('entryway_admin=tampered.sig', 'csrf-token=x; device-id=%00'),
  },
  { requiredKeys: [] },
)

export function requestArb(route: CollectedRoute, known: KnownValues): fc.Arbitrary<FuzzRequest> {
  const { params, body } = inputFor(route, known)
  const method = route.method as FuzzRequest['method']
  const query = fc.oneof(
    { weight: 6, arbitrary: params.map(toQuery) },
    { weight: 1, arbitrary: rawQuery },
    { weight: 1, arbitrary: fc.constant('') },
  )
  const portal = route.url.startsWith('/admin')
  const form = body.map((v) => ({
    body: formEncode(v),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  }))
  const encoded = portal
    ? fc.oneof({ weight: 3, arbitrary: form }, { weight: 1, arbitrary: bodyVariants(body) })
    : bodyVariants(body)
  const withBody = method !== 'GET' ? encoded : fc.constant({ body: undefined, headers: {} })
  return fc
    .record({
      path: pathsOf(route),
      query,
      auth: portal ? portalAuthArb : authArb,
      malformedAuth,
      encoded: withBody,
      extra: fc.option(extraHeaders, { freq: 3 }),
    })
    .map(({ path, query, auth, malformedAuth, encoded, extra }) => ({
      route: `${route.method} ${route.url}`,
      method,
      path,
      query,
      auth,
      ...(auth === 'malformed' ? { malformedAuth } : {}),
      headers: { ...(extra ?? {}), ...encoded.headers },
      ...(encoded.body !== undefined ? { body: encoded.body } : {}),
    }))
}
