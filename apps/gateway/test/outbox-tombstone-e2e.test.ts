import t from 'tap'
import { createServer, connect, type Socket } from 'node:net'
import * as plcLib from '@did-plc/lib'
import { Secp256k1Keypair } from '@atproto/crypto'
import { testDatabaseTargets } from '@entryway/db'
import { startPlc } from '@entryway/testkit'
import { BASIC_ADMIN, seedAccounts, startInProcessGateway } from './in-process-gateway.js'
import { serveOnLoopback } from './stub-servers.js'

// A deleted account's PLC tombstone while PLC is unreachable: the deletion answers 200, the
// tombstone waits in the outbox and is retried; once PLC is back it lands. A real PLC behind a
// TCP relay the test switches off and on; the PDS is a stub that accepts the deletion.
// @serial-test: starts a real PLC
t.setTimeout(240_000)

const ROTATION_KEY_HEX = '22'.repeat(32) // startInProcessGateway's ENTRYWAY_PLC_ROTATION_KEY_HEX

/** A TCP relay to `port`; while `down`, every connection is cut at once (PLC unreachable). */
async function relay(t: { teardown(fn: () => unknown): void }, port: number) {
  const state = { down: false, refused: 0 }
  const open = new Set<Socket>()
  const server = createServer((client) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    if (state.down) {
      state.refused++
      client.destroy()
      return
    }
    const upstream = connect(port, '127.0.0.1')
    client.pipe(upstream).pipe(client)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  t.teardown(() => {
    for (const s of open) s.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    state,
    cutAll: () => open.forEach((s) => s.destroy()),
  }
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: the tombstone of a deleted account is retried while PLC is down and lands once it is back`,
  async (t) => {
    const plc = await startPlc()
    t.teardown(() => plc.stop())
    const toPlc = await relay(t, plc.port)

    // the account's DID on the real PLC, with the Entryway's rotation key
    const rotation = await Secp256k1Keypair.import(ROTATION_KEY_HEX)
    const signing = await Secp256k1Keypair.create()
    let deletes = 0
    const pdsUrl = await serveOnLoopback(t, (req, res) => {
      if (req.url?.startsWith('/xrpc/com.atproto.admin.deleteAccount')) deletes++
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
    })
    const create = await plcLib.createOp({
      signingKey: signing.did(),
      rotationKeys: [rotation.did()],
      handle: 'gone.example.test',
      pds: pdsUrl,
      signer: rotation,
    })
    const client = new plcLib.Client(plc.url)
    await client.sendOperation(create.did, create.op)
    const plcStatus = async () =>
      (await fetch(`${plc.url}/${encodeURIComponent(create.did)}`)).status
    const lastOpType = async () => ((await client.getLastOp(create.did)) as { type: string }).type
    t.equal(await plcStatus(), 200, 'the DID is live on PLC')

    const database = await target!.open()
    t.teardown(() => database.close())
    await seedAccounts(
      database,
      [{ did: create.did, handle: 'gone.example.test', password: 'pw-gone' }],
      pdsUrl,
    )
    const { url } = await startInProcessGateway(t, database, {
      ENTRYWAY_PLC_URL: toPlc.url,
      ENTRYWAY_OUTBOX_INTERVAL_MS: '200',
      ENTRYWAY_OUTBOX_BACKOFF_MS: '200',
      ENTRYWAY_OUTBOX_MAX_BACKOFF_MS: '400',
    })
    const jobs = () =>
      database.db
        .selectFrom('outbox_job')
        .select(['kind', 'key', 'attempts', 'lastError'])
        .execute()

    toPlc.state.down = true
    toPlc.cutAll()
    const del = await fetch(`${url}/xrpc/com.atproto.admin.deleteAccount`, {
      method: 'POST',
      headers: { authorization: BASIC_ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ did: create.did }),
    })
    t.equal(del.status, 200, 'the deletion answers 200 with PLC down')
    t.equal(deletes, 1, 'the PDS deleted the repo')
    const [pending] = await jobs()
    t.equal(pending?.kind, 'plc.tombstone')
    t.equal(pending?.key, create.did)
    t.ok(pending?.lastError, `the failure is kept: ${pending?.lastError}`)

    // retried while down (each attempt is refused by the relay)
    await new Promise((r) => setTimeout(r, 2_000))
    const [retrying] = await jobs()
    t.ok(
      (retrying?.attempts ?? 0) >= 3,
      `retried while PLC is down: ${retrying?.attempts} attempts, ${toPlc.state.refused} connections refused`,
    )
    t.equal(await plcStatus(), 200, 'not tombstoned yet')
    t.equal(await lastOpType(), 'plc_operation')

    toPlc.state.down = false
    const backAt = performance.now()
    let last = 'plc_operation'
    while (performance.now() - backAt < 10_000 && last !== 'plc_tombstone') {
      await new Promise((r) => setTimeout(r, 100))
      last = await lastOpType()
    }
    t.equal(
      last,
      'plc_tombstone',
      `tombstoned ${(performance.now() - backAt).toFixed(0)} ms after PLC came back`,
    )
    t.equal(await plcStatus(), 404, 'PLC no longer serves the DID document')
    t.same(await jobs(), [], 'the job is done and gone')
  },
)
