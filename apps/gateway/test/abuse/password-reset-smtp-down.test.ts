import t from 'tap'
import { freePort } from '../in-process-gateway.js'
import { abuseGateway } from './helpers.js'

// Finding 13b: with SMTP failing, requestPasswordReset answered a known email with an error
// (and after a mail attempt) and an unknown one with a quick 200. Both now get the same empty 200
// before any lookup or sending. The mail sink here is stopped: SMTP points at a closed port.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

t.test(
  'known and unknown emails get the same answer at the same speed while SMTP is down',
  async (t) => {
    const smtpPort = await freePort()
    const g = await abuseGateway(t, [ALICE], { ENTRYWAY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` })
    const timed = async (email: string, i: number) => {
      const start = performance.now()
      const res = await g.post(
        'com.atproto.server.requestPasswordReset',
        { email },
        { ip: `203.0.113.${50 + i}` },
      )
      return { ...res, ms: performance.now() - start }
    }
    const known: Array<Awaited<ReturnType<typeof timed>>> = []
    const unknown: Array<Awaited<ReturnType<typeof timed>>> = []
    for (let i = 0; i < 5; i++) {
      known.push(await timed(ALICE.email, i))
      unknown.push(await timed(`nobody${i}@mail.test`, i))
    }
    t.same(
      known.map((r) => r.status),
      Array(5).fill(200),
      'known: 200',
    )
    t.same(
      unknown.map((r) => r.status),
      Array(5).fill(200),
      'unknown: 200',
    )
    t.same(
      known.map((r) => r.body),
      unknown.map((r) => r.body),
      'the same body',
    )
    const [k, u] = [median(known.map((r) => r.ms)), median(unknown.map((r) => r.ms))]
    t.ok(Math.abs(k - u) < 50, `median ${k.toFixed(1)} ms vs ${u.toFixed(1)} ms`)
  },
)
