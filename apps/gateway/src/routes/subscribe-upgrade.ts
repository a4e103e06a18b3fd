import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { WebSocketServer } from 'ws'

/** Close code of a WebSocket refused by policy (RFC 6455). */
const CLOSE_POLICY = 1008
const SUBSCRIBE_PATH = '/xrpc/com.atproto.sync.subscribeRepos'

/**
 * WebSocket upgrades on `/xrpc`. The Entryway serves no event stream of its own (each PDS has
 * one; plain GETs get a 501 naming them), so an upgrade of `subscribeRepos` is accepted and closed
 * at once with the reason: WebSocket clients see why, and an operator (`entryway doctor`) sees
 * that upgrades pass the reverse proxy. Any other upgrade is answered 404.
 */
export function registerSubscribeUpgrade(app: FastifyInstance): void {
  const wss = new WebSocketServer({ noServer: true })
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== SUBSCRIBE_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      ws.close(CLOSE_POLICY, 'subscribeRepos is served by each PDS of this service'),
    )
  })
  app.addHook('onClose', async () => {
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  })
}
