import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  NodeOAuthClient,
  buildAtprotoLoopbackClientMetadata,
  requestLocalLock,
  type NodeSavedSession,
  type NodeSavedState,
} from '@atproto/oauth-client-node'
import { chromium, type Browser, type Page } from 'playwright-core'

// Helpers of oauth-e2e.test.ts: a loopback callback server, a real @atproto/oauth-client-node client,
// Debian's Chromium filling the Entryway's pages, and small XRPC calls.

export const CHROMIUM_PATH = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const UI_TIMEOUT_MS = 20_000
export const HTTP_TIMEOUT_MS = 15_000

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function launchChromium(t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  })
  t.teardown(() => browser.close())
  return browser
}

/** The client's loopback redirect target: each callback resolves the next `next()`. */
export interface CallbackServer {
  url: string
  next(): Promise<URLSearchParams>
}

export async function startCallbackServer(t: Teardown): Promise<CallbackServer> {
  let waiter: ((p: URLSearchParams) => void) | null = null
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/callback') waiter?.(url.searchParams)
    res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in: you can close this window')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null
          reject(new Error('no OAuth callback within the UI timeout'))
        }, UI_TIMEOUT_MS)
        waiter = (p) => {
          clearTimeout(timer)
          waiter = null
          resolve(p)
        }
      }),
  }
}

export interface E2eClient {
  client: NodeOAuthClient
  clientId: string
  sessions: Map<string, NodeSavedSession>
}

/**
 * A real atproto OAuth client with a loopback client id: handles resolve through the Entryway's
 * `com.atproto.identity.resolveHandle`, DIDs through the lab PLC, http allowed (loopback only).
 */
export function createOAuthClient(o: {
  entrywayUrl: string
  plcUrl: string
  redirectUri: string
  scope: string
}): E2eClient {
  const states = new Map<string, NodeSavedState>()
  const sessions = new Map<string, NodeSavedSession>()
  const clientMetadata = buildAtprotoLoopbackClientMetadata({
    scope: o.scope,
    redirect_uris: [o.redirectUri],
  })
  const client = new NodeOAuthClient({
    clientMetadata,
    allowHttp: true,
    handleResolver: o.entrywayUrl,
    plcDirectoryUrl: o.plcUrl,
    requestLock: requestLocalLock,
    stateStore: {
      get: async (k) => states.get(k),
      set: async (k, v) => void states.set(k, v),
      del: async (k) => void states.delete(k),
    },
    sessionStore: {
      get: async (k) => sessions.get(k),
      set: async (k, v) => void sessions.set(k, v),
      del: async (k) => void sessions.delete(k),
    },
  })
  return { client, clientId: clientMetadata.client_id, sessions }
}

/**
 * Fills the Entryway's sign-in page (and the emailed code when asked), then accepts on the consent
 * page; `onPage` runs on each page before it is submitted (screenshots).
 */
export async function signInAndConsent(
  page: Page,
  o: {
    authorizeUrl: string
    password: string
    serviceName: string
    emailCode?: () => Promise<string>
    /** Ticks "Remember this account on this device" (the account pages then know the browser). */
    remember?: boolean
    onPage?: (name: 'sign-in' | 'otp' | 'consent') => Promise<void>
  },
): Promise<void> {
  await page.goto(o.authorizeUrl)
  await page.getByText(o.serviceName).first().waitFor()
  // login_hint fills the identifier in; the password is ours to type.
  await page.locator('input[name="password"]').fill(o.password)
  if (o.remember) await page.getByText('Remember this account on this device').click()
  await o.onPage?.('sign-in')
  await page.getByRole('button', { name: /^sign in$/i }).click()
  if (o.emailCode) {
    const otp = page.locator('input[autocomplete="one-time-code"]')
    await otp.waitFor()
    await otp.fill(await o.emailCode())
    await o.onPage?.('otp')
    await page.getByRole('button', { name: /^confirm$/i }).click()
  }
  const accept = page.getByRole('button', { name: /^(accept|authorize|allow)$/i })
  await accept.waitFor()
  await o.onPage?.('consent')
  await accept.click()
  // The callback server sees the request before the browser has committed that navigation; a
  // caller's next page.goto would otherwise race it ("interrupted by another navigation").
  await page.waitForURL((u) => u.pathname === '/callback')
}

type Json = Record<string, any>

/** One XRPC call with a deadline; `auth` is a full Authorization header value. */
export async function xrpc(
  base: string,
  nsid: string,
  o: { body?: unknown; query?: Record<string, string>; auth?: string } = {},
): Promise<{ status: number; body: Json }> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.auth) headers.authorization = o.auth
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: o.body !== undefined ? 'POST' : 'GET',
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

/** The payload of a JWT, unverified (the PDS does the verifying). */
export function jwtPayload(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json
}

export const CODE_PATTERN = /[A-Z2-7]{5}-[A-Z2-7]{5}/

/** The Entryway's account pages: Apps → the app's details → "Revoke access". */
export async function revokeAppInAccountPage(
  page: Page,
  o: { entrywayUrl: string; handle: string; onPage?: () => Promise<void> },
): Promise<void> {
  await page.goto(`${o.entrywayUrl}/account`)
  await page.getByRole('link', { name: 'Apps', exact: true }).click()
  await page.getByRole('button', { name: 'Details' }).first().click()
  const revoke = page.getByRole('button', { name: /^revoke access$/i })
  await revoke.waitFor()
  await o.onPage?.()
  await revoke.click()
  // Gone from the list once the server has revoked it.
  await page.getByRole('button', { name: 'Details' }).waitFor({ state: 'detached' })
}
