// @serial-test: asserts how soon a stopped host is detected, which a parallel file's load would skew
import t from 'tap'
import { AtpAgent } from '@atproto/api'
import * as plcLib from '@did-plc/lib'
import { startFleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// Issue 3 "done when", through @atproto/api as a real client, with two real PDSes behind the Entryway.

const HEALTH_INTERVAL_MS = 1_000

async function get(base: string, nsid: string, query: Record<string, string>) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

t.test('sign-ups across a fleet of two PDSes', async (t) => {
  const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
  t.teardown(() => fleet.stop())
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), { logger: process.env.E2E_LOG === '1' })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  const E = fleet.entryway.url
  const db = gw.database.db
  const plc = new plcLib.Client(fleet.plc.url)
  const [pds1, pds2] = fleet.pds as [(typeof fleet.pds)[0], (typeof fleet.pds)[0]]
  const hostUrl = async (did: string) =>
    (
      await db
        .selectFrom('account')
        .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
        .select('pds_host.url')
        .where('account.did', '=', did)
        .executeTakeFirstOrThrow()
    ).url
  let n = 0
  const signup = async (name = `user${n}`) => {
    const agent = new AtpAgent({ service: E })
    const i = n++
    const res = await agent.createAccount({
      handle: `${name}.test`,
      email: `${name}-${i}@test.com`,
      password: `pw-${i}`,
    })
    return { did: res.data.did, handle: res.data.handle, agent }
  }

  const created: Array<{ did: string; handle: string; agent: AtpAgent }> = []
  await t.test(
    '10 sign-ups spread evenly over both PDSes, each DID document naming its PDS',
    async (t) => {
      const started = performance.now()
      for (let i = 0; i < 10; i++) created.push(await signup())
      t.comment(`10 sequential sign-ups: ${Math.round(performance.now() - started)} ms`)
      const urls = await Promise.all(created.map((c) => hostUrl(c.did)))
      // least loaded with ties to the lower id: alternates 1, 2, 1, 2…
      t.same(
        urls,
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? pds1.url : pds2.url)),
      )
      for (const [i, c] of created.entries()) {
        const doc = await plc.getDocumentData(c.did)
        t.equal(doc.services.atproto_pds?.endpoint, urls[i], `${c.handle}: #atproto_pds is its PDS`)
        t.equal(c.agent.pdsUrl?.origin, urls[i], 'the client was pointed at it')
        const repo = await get(urls[i]!, 'com.atproto.repo.describeRepo', { repo: c.did })
        t.equal(repo.status, 200, 'the PDS holds the repo')
        t.equal(repo.body.handle, c.handle)
      }
    },
  )

  await t.test('handles resolve from the Entryway and from the other PDS', async (t) => {
    for (const c of created.slice(0, 2)) {
      t.same((await get(E, 'com.atproto.identity.resolveHandle', { handle: c.handle })).body, {
        did: c.did,
      })
      const home = await hostUrl(c.did)
      const other = home === pds1.url ? pds2.url : pds1.url
      t.same(
        (await get(other, 'com.atproto.identity.resolveHandle', { handle: c.handle })).body,
        { did: c.did },
        'sibling PDS resolves it via the Entryway',
      )
    }
  })

  await t.test(
    'operator endpoints: list, drain, and every new account goes to the other host',
    async (t) => {
      const auth = {
        authorization: `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`,
      }
      const list = (await (
        await fetch(`${E}/xrpc/com.entryway.admin.listHosts`, { headers: auth })
      ).json()) as { hosts: unknown[] }
      t.match(list.hosts, [
        { url: pds1.url, status: 'enabled', healthy: true, accounts: 5 },
        { url: pds2.url, status: 'enabled', healthy: true, accounts: 5 },
      ])
      const drain = await fetch(`${E}/xrpc/com.entryway.admin.updateHost`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ host: pds1.url, status: 'draining' }),
      })
      t.equal(drain.status, 200)
      const more = [await signup(), await signup(), await signup()]
      t.same(await Promise.all(more.map((m) => hostUrl(m.did))), [pds2.url, pds2.url, pds2.url])
      const retire = await fetch(`${E}/xrpc/com.entryway.admin.updateHost`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ host: pds1.url, status: 'retired' }),
      })
      t.equal(
        ((await retire.json()) as { error?: string }).error,
        'HostNotEmpty',
        'a host with accounts cannot be retired',
      )
      await db
        .updateTable('pds_host')
        .set({ status: 'enabled' })
        .where('url', '=', pds1.url)
        .execute()
    },
  )

  await t.test(
    'two simultaneous sign-ups for one handle: one account, one HandleNotAvailable',
    async (t) => {
      const attempt = (i: number) =>
        new AtpAgent({ service: E })
          .createAccount({
            handle: 'contested.test',
            email: `contested${i}@test.com`,
            password: `pw${i}`,
          })
          .then(
            () => 'ok',
            (err: Error & { error?: string }) => err.error ?? String(err),
          )
      const results = await Promise.all([attempt(1), attempt(2)])
      t.same(results.sort(), ['HandleNotAvailable', 'ok'])
      t.equal(
        (
          await db
            .selectFrom('account')
            .select('did')
            .where('handle', '=', 'contested.test')
            .execute()
        ).length,
        1,
      )
    },
  )

  await t.test(
    'a host that stops answering gets no accounts within one health interval',
    async (t) => {
      gw.app.entrywayPlacement.health.reschedule(HEALTH_INTERVAL_MS)
      // Make pds2 the least loaded first, so that least-loaded placement alone would send the next
      // sign-ups to it: only health exclusion can keep them away. (Sign-ups go to pds1 while pds2
      // drains; the registry is read at every sign-up.)
      const countOn = async (url: string) =>
        Number(
          (
            await db
              .selectFrom('account')
              .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
              .select((e) => e.fn.countAll().as('n'))
              .where('pds_host.url', '=', url)
              .executeTakeFirstOrThrow()
          ).n,
        )
      await db
        .updateTable('pds_host')
        .set({ status: 'draining' })
        .where('url', '=', pds2.url)
        .execute()
      while ((await countOn(pds1.url)) < (await countOn(pds2.url)) + 2) await signup()
      await db
        .updateTable('pds_host')
        .set({ status: 'enabled' })
        .where('url', '=', pds2.url)
        .execute()
      t.ok(
        (await countOn(pds2.url)) + 2 <= (await countOn(pds1.url)),
        'pds2 holds fewer accounts: the strategy would pick it twice',
      )
      pds2.process.kill('SIGSTOP')
      t.teardown(() => pds2.process.kill('SIGCONT'))
      const stoppedAt = performance.now()
      let detectedMs = -1
      for (let waited = 0; waited < 15_000; waited += 100) {
        const h = await db
          .selectFrom('pds_host')
          .select('healthy')
          .where('url', '=', pds2.url)
          .executeTakeFirstOrThrow()
        if (!h.healthy) {
          detectedMs = performance.now() - stoppedAt
          break
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      t.ok(detectedMs >= 0, `unhealthy after ${Math.round(detectedMs)} ms`)
      t.ok(
        detectedMs <=
          HEALTH_INTERVAL_MS + gw.app.entrywayPlacement.options.healthCheckTimeoutMs + 500,
        'within one interval plus the check timeout',
      )
      t.comment(
        `detection: ${Math.round(detectedMs)} ms (interval ${HEALTH_INTERVAL_MS} ms, timeout ${gw.app.entrywayPlacement.options.healthCheckTimeoutMs} ms)`,
      )
      const next = [await signup(), await signup()]
      t.same(
        await Promise.all(next.map((m) => hostUrl(m.did))),
        [pds1.url, pds1.url],
        'both go to the answering host although it holds more',
      )
      pds2.process.kill('SIGCONT')
      for (let waited = 0; waited < 15_000; waited += 100) {
        const h = await db
          .selectFrom('pds_host')
          .select('healthy')
          .where('url', '=', pds2.url)
          .executeTakeFirstOrThrow()
        if (h.healthy) break
        await new Promise((r) => setTimeout(r, 100))
      }
      t.equal(
        (
          await db
            .selectFrom('pds_host')
            .select('healthy')
            .where('url', '=', pds2.url)
            .executeTakeFirstOrThrow()
        ).healthy,
        true,
        'back once it answers',
      )
    },
  )
})
