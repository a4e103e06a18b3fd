// The real Entryway (buildGateway, every plugin) in front of ORIGIN_URL as its one fleet host, on
// Postgres (BENCH_DATABASE_URL) or embedded PGlite, with a stub PLC that says the bench account
// lives on that host. Prints {"port", "token", "did"} when ready; requests then take the hot path
// (cached token, cached DID).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../../apps/gateway/src/index.js'
import { AuthScope, createAccessToken } from '../../packages/session/src/index.js'

const origin = process.env.ORIGIN_URL!
const did = 'did:plc:benchbenchbenchbenchbenc'
const hostDid = 'did:web:origin.bench'
const doc = {
  '@context': ['https://www.w3.org/ns/did/v1'],
  id: did,
  alsoKnownAs: ['at://bench.test'],
  verificationMethod: [
    {
      id: `${did}#atproto`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: 'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
    },
  ],
  service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: origin }],
}
const plc = createServer((req, res) => {
  const ok = decodeURIComponent(req.url!.slice(1)) === did
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' })
  res.end(ok ? JSON.stringify(doc) : '{"message":"not found"}')
})
await new Promise<void>((r) => plc.listen(0, '127.0.0.1', () => r()))

const env = readEnv({
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.bench',
  ENTRYWAY_PLC_URL: `http://localhost:${(plc.address() as AddressInfo).port}`,
  ENTRYWAY_JWT_SIGNING_KEY_HEX: randomBytes(32).toString('hex'),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: randomBytes(32).toString('hex'),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'bench',
  ENTRYWAY_FLEET_HOSTS: JSON.stringify([{ url: origin, did: hostDid }]),
  ENTRYWAY_LOG_LEVEL: 'warn',
  // Postgres as deployed when the bench has one; else embedded PGlite (which runs in this process)
  ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
})
// the real logger at `warn`, as an operator who keeps request lines off (nginx runs with access_log off)
const { app, database, ctx } = await buildGateway(envToCfg(env), envToSecrets(env))
const now = new Date().toISOString()
await database.db
  .insertInto('pds_host')
  .values({
    url: origin,
    did: hostDid,
    status: 'enabled',
    healthy: true,
    createdAt: now,
    updatedAt: now,
  })
  .onConflict((oc) => oc.column('url').doNothing())
  .execute()
const host = await database.db
  .selectFrom('pds_host')
  .select('id')
  .where('url', '=', origin)
  .executeTakeFirstOrThrow()
await database.db
  .insertInto('account')
  .values({ did, handle: 'bench.test', hostId: host.id, createdAt: now, updatedAt: now } as never)
  .execute()
await app.listen({ port: 0, host: '127.0.0.1' })
const token = await createAccessToken(ctx.keyring, {
  did,
  pdsDid: hostDid,
  scope: AuthScope.Access,
})
console.log(JSON.stringify({ port: (app.server.address() as AddressInfo).port, token, did }))
