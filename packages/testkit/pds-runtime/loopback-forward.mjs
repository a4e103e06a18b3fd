// Preloaded (node --import) by the compose images. A PDS in entryway mode insists on
// PDS_ENTRYWAY_URL being https or http://localhost (contract §1.3): inside a container, localhost is
// the container itself. LOOPBACK_FORWARD="2583=gateway:2583,…" listens on the container's
// loopback and pipes each connection to the named service, so http://localhost:2583 reaches the
// gateway from the PDS exactly as it does from the host.
import { createConnection, createServer } from 'node:net'

for (const rule of (process.env.LOOPBACK_FORWARD ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
  const m = /^(\d+)=([^:]+):(\d+)$/.exec(rule)
  if (!m) throw new Error(`LOOPBACK_FORWARD: cannot read "${rule}" (want port=host:port)`)
  const [, listenPort, host, port] = m
  for (const address of ['127.0.0.1', '::1']) {
    const server = createServer((client) => {
      const upstream = createConnection({ host, port: Number(port) })
      client.pipe(upstream).pipe(client)
      const close = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', close)
      upstream.on('error', close)
    })
    server.on('error', (err) => {
      if (address === '::1') return // no IPv6 loopback in this container
      throw err
    })
    server.listen(Number(listenPort), address)
    server.unref()
  }
}
