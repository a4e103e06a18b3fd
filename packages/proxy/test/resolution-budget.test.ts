import t from 'tap'
import { RateLimitExceededError } from '@entryway/xrpc'
import { budgetKey, ResolutionBudget } from '../src/resolution-budget.js'

t.test('IPv6 clients are counted by /64, IPv4-mapped ones as IPv4', async (t) => {
  t.equal(budgetKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  t.equal(budgetKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
  t.equal(budgetKey('2001:db8::1'), '2001:db8:0:0::/64')
  t.equal(budgetKey('::ffff:203.0.113.7'), '203.0.113.7')
  t.equal(budgetKey('203.0.113.7'), '203.0.113.7')
})

t.test(
  'a window of N per client, then 429 with retry-after; a new window starts afresh',
  async (t) => {
    const clock = { now: 0 }
    const b = new ResolutionBudget(3, 60_000, () => clock.now)
    for (let i = 0; i < 3; i++) b.charge(`2001:db8:1:2::${i + 1}`)
    const err = t.throws(() =>
      b.charge('2001:db8:1:2:ffff::9'),
    ) as unknown as RateLimitExceededError
    t.ok(err instanceof RateLimitExceededError, 'same /64: over budget')
    t.match(err, { status: 429, error: 'RateLimitExceeded', headers: { 'retry-after': '60' } })
    b.charge('2001:db8:1:3::1')
    t.pass('another /64 has its own budget')
    clock.now += 60_000
    b.charge('2001:db8:1:2::1')
    t.pass('the next window starts afresh')
  },
)
