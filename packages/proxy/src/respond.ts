import type { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'

/** A 403 body larger than this is not an XRPC error body: pass it through unread. */
const MAX_INSPECTED_ERROR_BYTES = 16 * 1024

interface UpstreamResponse {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  stream: Readable
}

/**
 * Sends the PDS's response as a stream. The one exception: `403 AccountNotFound` for an
 * authenticated request becomes `400 ExpiredToken` (the PDS's own hint, auth-verifier.ts), so the
 * client refreshes its session and the next request is routed afresh.
 */
export function respond(
  reply: FastifyReply,
  res: UpstreamResponse,
  subject: string | null,
  onAccountNotFound: (did: string) => void,
): void {
  if (res.statusCode !== 403 || !subject || res.headers['content-encoding'] || !isJson(res.headers['content-type'])) {
    reply.send(res.stream)
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  let done = false
  const finish = (err: Error | null) => {
    if (done) return
    done = true
    res.stream.off('data', onData)
    if (err) {
      reply.send(err)
      return
    }
    const body = Buffer.concat(chunks)
    if (parseError(body) === 'AccountNotFound') {
      onAccountNotFound(subject)
      reply.removeHeader('content-length')
      reply.send(new InvalidRequestError('Token could not be used with the account\'s PDS; refresh the session', 'ExpiredToken'))
      return
    }
    reply.send(body)
  }
  const onData = (chunk: Buffer) => {
    chunks.push(chunk)
    size += chunk.length
    if (size > MAX_INSPECTED_ERROR_BYTES) {
      // not an error body after all: replay what was read, then the rest
      done = true
      res.stream.off('data', onData)
      res.stream.pause()
      reply.send(replay(chunks, res.stream))
    }
  }
  res.stream.on('data', onData)
  res.stream.once('end', () => finish(null))
  res.stream.once('error', (err) => finish(err))
}

async function* replay(head: Buffer[], rest: Readable): AsyncGenerator<Buffer> {
  yield* head
  for await (const chunk of rest) yield chunk as Buffer
}

function isJson(ct: string | string[] | undefined): boolean {
  return typeof ct === 'string' && ct.toLowerCase().includes('json')
}

function parseError(body: Buffer): string | null {
  try {
    const v = JSON.parse(body.toString('utf8'))
    return typeof v?.error === 'string' ? v.error : null
  } catch {
    return null
  }
}
