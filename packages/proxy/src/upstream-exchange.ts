import type { ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import { InvalidRequestError } from '@entryway/xrpc'
import { downstreamResponseHeaders, headerValue, upstreamRequestHeaders } from './hop-headers.js'
import { mapUpstreamError } from './upstream-errors.js'

/** A 403 body larger than this is not an XRPC error body: pass it through unread. */
const MAX_INSPECTED_ERROR_BYTES = 16 * 1024

/** What forwarding needs from the plugin around it (one object per plugin, not per request). */
export interface ExchangeContext {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void
  /** The PDS answered (status of its headers) or failed (status sent to the client). */
  observe(origin: string, status: number, startedAt: number): void
  /** The PDS does not have the account the token named: routing must be re-read. */
  accountNotFound(did: string): void
  /** The PDS answered (headers arrived, any status): its circuit stays or becomes closed. */
  answered(origin: string): void
  /** The exchange failed before any answer: counted against the host's circuit if it was unreachable. */
  failed(origin: string, err: Error): void
}

class ClientGoneError extends Error {
  override name = 'ClientGoneError'
  readonly code = 'ERR_CLIENT_GONE'
}

/**
 * Sends the request to `origin` and streams the answer straight into the client's response,
 * through undici's dispatch API: no Readable per response, no pipe, no header objects, so the
 * hop costs little more than the two HTTP parsers it cannot avoid. Backpressure both ways (the
 * request body is a stream undici reads as the PDS takes it; a slow client pauses the PDS's
 * socket), no retry, and a client that goes away aborts the upstream request.
 *
 * Until the PDS's headers arrive, failures go through Fastify (`reply.send(XrpcError)`, the one
 * error handler); after, the client's connection is cut so a truncated body is never passed off
 * as complete. One exception to passing through: `403 AccountNotFound` for an authenticated
 * request becomes `400 ExpiredToken` (the PDS's own hint), so the client refreshes its session
 * and the next request is routed afresh.
 */
export function forwardRequest(
  ctx: ExchangeContext,
  req: FastifyRequest,
  reply: FastifyReply,
  origin: string,
  subject: string | null,
): void {
  const raw = req.raw
  const method = raw.method!
  const exchange = new UpstreamExchange(ctx, reply, origin, subject)
  const res = reply.raw as ExchangeResponse
  res[kExchange] = exchange
  res.on('close', onResponseClose)
  ctx.dispatch(
    {
      origin,
      path: raw.url!,
      method,
      headers: upstreamRequestHeaders(raw.headers, req.ip),
      body: hasBody(method, raw.headers) ? raw : null,
    },
    exchange,
  )
}

const kExchange = Symbol('entryway.proxy.exchange')
type ExchangeResponse = ServerResponse & { [kExchange]?: UpstreamExchange }

/** One listener for every response (`this` is the response): no closure per request. */
function onResponseClose(this: ExchangeResponse): void {
  this[kExchange]?.clientClosed()
}

/** A request body is streamed only when the client framed one (GET/HEAD never; POST without a length is bodyless). */
function hasBody(method: string, headers: FastifyRequest['headers']): boolean {
  if (method === 'GET' || method === 'HEAD') return false
  if (headers['transfer-encoding'] !== undefined) return true
  const len = headers['content-length']
  return len !== undefined && len !== '0'
}

/**
 * undici's handler methods in their original form: in undici 7 they are the native path (a
 * handler with the newer controller methods is wrapped, and every header is parsed into an
 * object), and `onHeaders` hands over the raw header buffers this relays as they are.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler {
  private abort: ((err: Error) => void) | null = null
  private resume: (() => void) | null = null
  /** Headers have been written to the client. */
  private started = false
  private finished = false
  /** The body was written whole and the response ended (`onComplete` has nothing left to do). */
  private ended = false
  /** Body bytes still to come, when the PDS declared a length (NaN otherwise). */
  private unread = Number.NaN
  /** Set while a 403 body is being read to see whether it is `AccountNotFound`. */
  private held: { status: number; headers: string[]; chunks: Buffer[]; size: number } | null = null
  private readonly res: ServerResponse
  private readonly startedAt = performance.now()

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly reply: FastifyReply,
    private readonly origin: string,
    private readonly subject: string | null,
  ) {
    this.res = reply.raw
  }

  /** The client's response closed: normally after `end`, or early when the client went away. */
  clientClosed(): void {
    if (this.finished) return
    this.finished = true
    this.abort?.(new ClientGoneError('the client went away'))
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort
    if (this.finished) abort(new ClientGoneError('the client went away'))
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // informational answers (other than 101, which undici never hands a non-upgrade request) are not relayed
    if (status < 200) return true
    this.resume = resume
    this.ctx.answered(this.origin)
    this.ctx.observe(this.origin, status, this.startedAt)
    const headers = downstreamResponseHeaders(rawHeaders)
    if (status === 403 && this.subject && isInspectable(headers)) {
      this.held = { status, headers, chunks: [], size: 0 }
      return true
    }
    const length = headerValue(headers, 'content-length')
    if (length !== undefined) this.unread = Number(length)
    this.writeHead(status, headers)
    return true
  }

  onData(chunk: Buffer): boolean {
    const held = this.held
    if (held) {
      held.chunks.push(chunk)
      held.size += chunk.length
      if (held.size <= MAX_INSPECTED_ERROR_BYTES) return true
      // not an error body after all: send what was read, then stream the rest
      this.held = null
      this.unread -= held.size
      this.writeHead(held.status, held.headers)
      for (const c of held.chunks) this.res.write(c)
      return this.waitForDrain(this.res.writableNeedDrain === false)
    }
    if (chunk.length === this.unread) {
      // the whole (declared) body in one chunk, the usual small answer: headers and body leave
      // in one write, without the cork Node sets up for a body that goes on
      this.unread = 0
      this.ended = true
      this.res.end(chunk)
      return true
    }
    this.unread -= chunk.length
    return this.waitForDrain(this.res.write(chunk))
  }

  onComplete(): void {
    if (this.finished) return
    const held = this.held
    if (held) {
      this.held = null
      const body = Buffer.concat(held.chunks)
      if (errorName(body) === 'AccountNotFound') {
        this.finished = true
        this.ctx.accountNotFound(this.subject!)
        this.reply.send(
          new InvalidRequestError(
            "Token could not be used with the account's PDS; refresh the session",
            'ExpiredToken',
          ),
        )
        return
      }
      this.writeHead(held.status, held.headers)
      this.finished = true
      this.res.end(body)
      return
    }
    this.finished = true
    if (!this.ended) this.res.end()
  }

  onError(err: Error): void {
    if (this.finished) return
    this.finished = true
    if (this.started) {
      // mid-body: cut the client off rather than end a truncated response cleanly
      this.res.destroy(err)
      return
    }
    this.ctx.failed(this.origin, err)
    const mapped = mapUpstreamError(err)
    this.ctx.observe(this.origin, mapped.status, this.startedAt)
    this.reply.send(mapped)
  }

  private waitForDrain(ok: boolean): boolean {
    if (!ok) this.res.once('drain', this.resume!)
    return ok
  }

  /**
   * The PDS's status (with Node's own reason phrase) and headers, plus any a hook set on the
   * reply before the handler (those win).
   */
  private writeHead(status: number, headers: string[]): void {
    this.started = true
    const own = this.reply.getHeaders()
    let out = headers
    for (const name in own) {
      if (out === headers) out = headers.slice()
      for (let i = out.length - 2; i >= 0; i -= 2)
        if (out[i]!.toLowerCase() === name) out.splice(i, 2)
      const v = own[name]
      if (Array.isArray(v)) for (const one of v) out.push(name, String(one))
      else if (v !== undefined) out.push(name, String(v))
    }
    this.res.writeHead(status, out)
  }
}

function isInspectable(headers: string[]): boolean {
  if (headerValue(headers, 'content-encoding') !== undefined) return false
  const ct = headerValue(headers, 'content-type')
  return ct !== undefined && ct.toLowerCase().includes('json')
}

function errorName(body: Buffer): string | null {
  try {
    const v = JSON.parse(body.toString('utf8'))
    return typeof v?.error === 'string' ? v.error : null
  } catch {
    return null
  }
}
