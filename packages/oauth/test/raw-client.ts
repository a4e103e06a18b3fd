import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import * as jose from 'jose'

/** A minimal public OAuth client speaking raw HTTP with DPoP (for the bad-input tests). */
export class RawClient {
  nonce: string | undefined
  private constructor(
    readonly issuer: string,
    readonly clientId: string,
    readonly redirectUri: string,
    readonly scope: string,
    private readonly key: jose.KeyLike,
    private readonly jwk: jose.JWK,
  ) {}

  static async create(
    issuer: string,
    scope = 'atproto transition:generic',
    redirectUri = 'http://127.0.0.1:4000/cb',
  ): Promise<RawClient> {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true })
    const jwk = await jose.exportJWK(publicKey)
    const clientId = `http://localhost?redirect_uri=${encodeURIComponent(redirectUri)}&scope=${encodeURIComponent(scope)}`
    return new RawClient(issuer, clientId, redirectUri, scope, privateKey, jwk)
  }

  async proof(method: string, url: string, accessToken?: string): Promise<string> {
    return new jose.SignJWT({
      htm: method,
      htu: url,
      jti: randomBytes(12).toString('base64url'),
      ...(this.nonce ? { nonce: this.nonce } : {}),
      ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: this.jwk })
      .setIssuedAt()
      .sign(this.key)
  }

  /** POSTs a form with a fresh DPoP proof, retrying once on `use_dpop_nonce`. */
  async post(
    path: string,
    form: Record<string, string>,
    proof?: string,
  ): Promise<{ status: number; json: any; proof: string }> {
    const url = `${this.issuer}${path}`
    for (let attempt = 0; ; attempt++) {
      const p = proof ?? (await this.proof('POST', url))
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: p },
        body: new URLSearchParams(form).toString(),
      })
      const nonce = res.headers.get('dpop-nonce')
      if (nonce) this.nonce = nonce
      const json = (await res.json()) as any
      if (json.error === 'use_dpop_nonce' && attempt === 0 && !proof) continue
      return { status: res.status, json, proof: p }
    }
  }

  async par(): Promise<{ requestUri: string; verifier: string; state: string }> {
    const verifier = randomBytes(32).toString('base64url')
    const state = randomBytes(8).toString('hex')
    const res = await this.post('/oauth/par', {
      client_id: this.clientId,
      response_type: 'code',
      redirect_uri: this.redirectUri,
      scope: this.scope,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })
    if (res.status !== 201) throw new Error(`PAR failed: ${JSON.stringify(res.json)}`)
    return { requestUri: res.json.request_uri, verifier, state }
  }

  authorizeUrl(requestUri: string): string {
    return `${this.issuer}/oauth/authorize?client_id=${encodeURIComponent(this.clientId)}&request_uri=${encodeURIComponent(requestUri)}`
  }

  exchange(code: string, verifier: string) {
    return this.post('/oauth/token', {
      grant_type: 'authorization_code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      code,
      code_verifier: verifier,
    })
  }

  refresh(refreshToken: string) {
    return this.post('/oauth/token', {
      grant_type: 'refresh_token',
      client_id: this.clientId,
      refresh_token: refreshToken,
    })
  }

  revoke(token: string) {
    return this.post('/oauth/revoke', { client_id: this.clientId, token })
  }
}

/**
 * Drives the provider's authorize page the way its web app does (cookies, CSRF header, same-origin
 * fetch metadata), without a browser: sign in, then consent. Returns the redirect parameters.
 */
export async function headlessAuthorize(
  issuer: string,
  authorizeUrl: string,
  creds: { username: string; password: string; emailOtp?: () => Promise<string> | string },
): Promise<{ code?: string; state?: string; iss?: string; error?: string; status?: number }> {
  const jar = new Map<string, string>()
  const keep = (res: RawResponse) => {
    for (const c of res.setCookie) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      jar.set(pair!.slice(0, i), pair!.slice(i + 1))
    }
  }
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  // fetch() rewrites Sec-Fetch-* headers; node:http sends them as given, like a browser would.
  const page = await rawRequest(authorizeUrl, {
    headers: {
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
      'sec-fetch-site': 'cross-site',
    },
  })
  keep(page)
  if (page.status !== 200) throw new Error(`authorize page: ${page.status}`)
  const api = async (endpoint: string, body: unknown) => {
    const res = await rawRequest(`${issuer}/@atproto/oauth-provider/~api${endpoint}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: issuer,
        referer: authorizeUrl,
        'sec-fetch-mode': 'same-origin',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-dest': 'empty',
        'x-csrf-token': jar.get('csrf-token') ?? '',
        cookie: cookie(),
      },
      body: JSON.stringify(body),
    })
    keep(res)
    return { status: res.status, json: JSON.parse(res.body) }
  }
  let signIn = await api('/sign-in', {
    locale: 'en',
    username: creds.username,
    password: creds.password,
    remember: true,
  })
  if (signIn.json.error === 'second_authentication_factor_required' && creds.emailOtp) {
    const code = await creds.emailOtp()
    signIn = await api('/sign-in', {
      locale: 'en',
      username: creds.username,
      password: creds.password,
      remember: true,
      emailOtp: code,
    })
  }
  if (signIn.status !== 200)
    return { error: signIn.json.error ?? `sign-in ${signIn.status}`, status: signIn.status }
  const consent = await api('/consent', { did: signIn.json.account.did })
  if (!consent.json.url) return { error: consent.json.error ?? `consent ${consent.status}` }
  const url = new URL(consent.json.url)
  const get = (k: string) => url.searchParams.get(k) ?? undefined
  return { code: get('code'), state: get('state'), iss: get('iss'), error: get('error') }
}

interface RawResponse {
  status: number
  setCookie: string[]
  body: string
}

function rawRequest(
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], body }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')))
    req.end(init.body)
  })
}

/** jose as resolved from this package (tests elsewhere in the repo borrow it). */
export { jose }
