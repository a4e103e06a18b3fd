import t from 'tap'
import { AtpAgent } from '@atproto/api'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from '../in-process-gateway.js'

// Finding 6 through a real PDS in entryway mode: the PDS forwards createSession to the Entryway
// with `x-forwarded-for: <req.ip>`. With no load balancer trusted (ENTRYWAY_TRUST_PROXY=false),
// the Entryway believes that header because it comes from a registered fleet host, so an attacker
// behind the PDS is locked out under their own address while the owner, behind the same PDS,
// still logs in. The PDS itself trusts loopback, so a client here picks the address the PDS sees
// by sending `x-forwarded-for` to it.

t.setTimeout(240_000)

type Res = { status: number; body: Record<string, any> }
async function viaPds(pdsUrl: string, clientIp: string, body: unknown): Promise<Res> {
  const res = await fetch(`${pdsUrl}/xrpc/com.atproto.server.createSession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': clientIp },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {} }
}

t.test('a fleet PDS forwarding sign-ins: the lockout is per user, not per PDS', async (t) => {
  const fleet = await startFleet({ pdsCount: 1, gateway: false })
  t.teardown(() => fleet.stop())
  const gw = await listenOnFleet(t, {
    ...fleet,
    gatewayEnv: { ...fleet.gatewayEnv, ENTRYWAY_TRUST_PROXY: 'false' },
  })
  const E = fleet.entryway.url
  const P = fleet.pds[0]!.url
  t.ok(
    gw.forwarders.fleetAddresses.length,
    `the fleet host's addresses are trusted (${gw.forwarders.fleetAddresses.join(', ')})`,
  )

  const handle = `fwd${Date.now().toString(36)}.test`
  const password = `pw-${handle}`
  const agent = new AtpAgent({ service: E })
  await agent.createAccount({ handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password })

  // The login failure limit is 30 per account and address (rate-limits.ts LOGIN_FAILURES_*).
  const statuses: number[] = []
  for (let i = 0; i < 31; i++)
    statuses.push(
      (await viaPds(P, '203.0.113.66', { identifier: handle, password: `guess-${i}` })).status,
    )
  t.same(
    statuses.slice(0, 30).filter((s) => s !== 401),
    [],
    'wrong passwords forwarded by the PDS are 401s',
  )
  t.equal(statuses[30], 429, 'the attacker behind the PDS is locked out')

  const owner = await viaPds(P, '198.51.100.77', { identifier: handle, password })
  t.equal(
    owner.status,
    200,
    `the owner behind the same PDS still logs in (${JSON.stringify(owner.body).slice(0, 200)})`,
  )
  t.equal(owner.body.handle, handle)
})
