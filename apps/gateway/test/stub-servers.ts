import { createServer, type RequestListener } from 'node:http'

// Small real servers the quick gateway tests stand up on loopback: a PDS or PLC stub that records
// what reached it, and the DID documents such a PLC serves.

interface Tap {
  teardown(fn: () => unknown): void
}

/** An HTTP server on a free loopback port, closed at teardown; resolves to its origin. */
export async function serveOnLoopback(t: Tap, handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

/** A PLC directory that knows nobody (routing prefetches go nowhere, no network). */
export const emptyPlc = (t: Tap): Promise<string> =>
  serveOnLoopback(t, (_req, res) => res.writeHead(404).end())

/** A valid atproto DID document (a real secp256k1 key) naming `pdsUrl` as the PDS. */
export function didDocument(did: string, pdsUrl: string): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    alsoKnownAs: ['at://someone.elsewhere.example'],
    verificationMethod: [
      {
        id: `${did}#atproto`,
        type: 'Multikey',
        controller: did,
        publicKeyMultibase: 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
      },
    ],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: pdsUrl }],
  }
}
