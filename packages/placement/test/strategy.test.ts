import t from 'tap'
import { canTransition, leastLoadedStrategy, type Host, type HostLoad } from '../src/index.js'

function host(id: number, over: Partial<Host> = {}): Host {
  return {
    id,
    url: `http://pds${id}.test`,
    did: `did:web:pds${id}.test`,
    internalUrl: null,
    status: 'enabled',
    weight: 1,
    accountCap: null,
    healthy: true,
    consecutiveFailures: 0,
    lastCheckAt: null,
    lastError: null,
    version: null,
    createdAt: '',
    updatedAt: '',
    ...over,
  }
}
const load = (h: Host, accounts: number): HostLoad => ({ host: h, accounts })

t.test('least accounts per weight wins; ties go to the lower id', async (t) => {
  t.equal(leastLoadedStrategy([load(host(1), 5), load(host(2), 3)])?.id, 2)
  t.equal(leastLoadedStrategy([load(host(2), 3), load(host(1), 3)])?.id, 1)
  // weight 3 with 6 accounts (2 per unit) beats weight 1 with 3
  t.equal(leastLoadedStrategy([load(host(1), 3), load(host(2, { weight: 3 }), 6)])?.id, 2)
})

t.test('only enabled, healthy, weighted hosts under their cap', async (t) => {
  t.equal(leastLoadedStrategy([load(host(1, { status: 'draining' }), 0), load(host(2), 9)])?.id, 2)
  t.equal(leastLoadedStrategy([load(host(1, { healthy: false }), 0), load(host(2), 9)])?.id, 2)
  t.equal(leastLoadedStrategy([load(host(1, { weight: 0 }), 0), load(host(2), 9)])?.id, 2)
  t.equal(leastLoadedStrategy([load(host(1, { accountCap: 4 }), 4), load(host(2), 9)])?.id, 2)
  t.equal(leastLoadedStrategy([load(host(1, { status: 'registered' }), 0)]), null)
  t.equal(leastLoadedStrategy([]), null)
})

t.test('a sequence of placements alternates deterministically', async (t) => {
  const counts = [0, 0]
  const seq: number[] = []
  for (let i = 0; i < 10; i++) {
    const h = leastLoadedStrategy([
      load(host(1), counts[0]!),
      load(host(2, { weight: 2 }), counts[1]!),
    ])!
    counts[h.id - 1]!++
    seq.push(h.id)
  }
  t.same(seq, [1, 2, 2, 1, 2, 2, 1, 2, 2, 1])
})

t.test('status transitions', async (t) => {
  t.ok(canTransition('registered', 'enabled'))
  t.ok(canTransition('enabled', 'draining'))
  t.ok(canTransition('draining', 'enabled'))
  t.ok(canTransition('draining', 'retired'))
  t.ok(canTransition('enabled', 'disabled'))
  t.notOk(canTransition('enabled', 'retired'), 'drain first')
  t.notOk(canTransition('retired', 'enabled'), 'retired is final')
})
