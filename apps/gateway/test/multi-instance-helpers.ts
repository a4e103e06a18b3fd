import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { openDatabase } from '@entryway/db'

/** Real servers the multi-instance tests need (CI exports both; see .ci/run). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL

/**
 * A new, empty Postgres database for one test file (dropped at teardown): several gateway
 * processes share it through `DATABASE_URL`, which names a database, not a schema.
 */
export async function freshDatabase(t: Test, baseUrl: string, prefix = 'mi'): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`
  const admin = await openDatabase({ url: baseUrl, poolMax: 1 })
  await admin.pool!.query(`create database ${name}`)
  t.teardown(async () => {
    await admin.pool!.query(`drop database if exists ${name} with (force)`).catch(() => {})
    await admin.close()
  })
  const u = new URL(baseUrl)
  u.pathname = `/${name}`
  return u.toString()
}

/** A Redis key prefix nobody else uses (the machine's Redis is shared). */
export const redisPrefix = (label: string) => `test-${label}-${randomBytes(4).toString('hex')}:`

export interface XrpcResult {
  status: number
  body: Record<string, unknown>
}

/** POST an XRPC procedure with a JSON body. */
export async function post(
  base: string,
  nsid: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<XrpcResult> {
  const res = await fetch(`${base}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

export const decodeJwt = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >

/** Sign-up input with a unique handle under the fleet's domain. */
export function signupInput(label: string, domain: string) {
  const id = `${label}${randomBytes(3).toString('hex')}`
  return {
    handle: `${id}${domain}`,
    email: `${id}@mail.test`,
    password: `pw-${id}-${randomBytes(4).toString('hex')}`,
  }
}
