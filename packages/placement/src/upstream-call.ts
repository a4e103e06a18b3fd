import { request, errors as undiciErrors, type Dispatcher } from 'undici'

/** How an upstream call failed: nothing reached it, it did not answer in time, or it said no. */
export type UpstreamFailureKind = 'unreachable' | 'timeout' | 'rejected'

/**
 * A failed call to a PDS or PLC. `rejected` carries the upstream status and XRPC error name; the
 * upstream's message is kept for logs, never for clients (it may describe internals).
 */
export class UpstreamCallError extends Error {
  override name = 'UpstreamCallError'
  constructor(
    readonly kind: UpstreamFailureKind,
    message: string,
    readonly status: number | null = null,
    readonly errorName: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  /** Whether the upstream may have acted on the request (a timeout or a 5xx after sending). */
  get ambiguous(): boolean {
    return this.kind === 'timeout' || (this.kind === 'rejected' && (this.status ?? 0) >= 500)
  }
}

export interface CallOptions {
  method: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: unknown
  timeoutMs: number
  dispatcher?: Dispatcher
}

/** JSON request with a total deadline; any failure becomes an `UpstreamCallError`. */
export async function callJson(
  url: string,
  o: CallOptions,
): Promise<{ status: number; body: unknown }> {
  const signal = AbortSignal.timeout(o.timeoutMs)
  let res: Dispatcher.ResponseData
  try {
    res = await request(url, {
      method: o.method,
      headers: {
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      },
      body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
      signal,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    })
  } catch (err) {
    throw toCallError(err, url, signal)
  }
  let text: string
  try {
    text = await res.body.text()
  } catch (err) {
    throw toCallError(err, url, signal)
  }
  let body: unknown = null
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const b = body as { error?: unknown; message?: unknown } | null
    const name = typeof b?.error === 'string' ? b.error : null
    const msg =
      typeof b?.message === 'string'
        ? b.message
        : typeof body === 'string'
          ? body.slice(0, 200)
          : ''
    throw new UpstreamCallError(
      'rejected',
      `${pathOf(url)} answered ${res.statusCode}${name ? ` ${name}` : ''}${msg ? `: ${msg}` : ''}`,
      res.statusCode,
      name,
    )
  }
  return { status: res.statusCode, body }
}

function toCallError(err: unknown, url: string, signal: AbortSignal): UpstreamCallError {
  const timedOut =
    signal.aborted ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  if (timedOut)
    return new UpstreamCallError('timeout', `${pathOf(url)} timed out`, null, null, { cause: err })
  // a reset after the request was written is as ambiguous as a timeout
  const code = (err as { code?: string })?.code
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new UpstreamCallError('timeout', `${pathOf(url)} connection lost`, null, null, {
      cause: err,
    })
  }
  return new UpstreamCallError(
    'unreachable',
    `${pathOf(url)} unreachable (${code ?? 'error'})`,
    null,
    null,
    { cause: err },
  )
}

/** Host and path only: never log query strings or credentials. */
function pathOf(url: string): string {
  try {
    const u = new URL(url)
    return `${u.host}${u.pathname}`
  } catch {
    return 'upstream'
  }
}
