import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { REPO_ROOT } from '@entryway/testkit'
import { ConfigProblemsError, loadConfig } from '../src/index.js'
import { EXIT_CONFIG } from '../src/bin/cli.js'

const GOOD = {
  ENTRYWAY_PUBLIC_URL: 'https://entryway.example.social',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
}

function problemLines(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigProblemsError) return err.message.split('\n')
    throw err
  }
  return []
}

t.test('a good environment has no problem', async (t) => {
  t.same(problemLines(GOOD), [])
})

/** Each bad environment: the one line it must print (the variable, what is wrong, a good value). */
const BAD: [string, Record<string, string | undefined>, RegExp][] = [
  [
    'missing JWT key',
    { ...GOOD, ENTRYWAY_JWT_SIGNING_KEY_HEX: undefined },
    /^ENTRYWAY_JWT_SIGNING_KEY_HEX: is required \(or ENTRYWAY_JWT_SIGNING_KEY_FILE\); e\.g\. ENTRYWAY_JWT_SIGNING_KEY_HEX=/,
  ],
  [
    'malformed public URL',
    { ...GOOD, ENTRYWAY_PUBLIC_URL: 'not-a-url' },
    /^ENTRYWAY_PUBLIC_URL: "not-a-url" is not a URL; e\.g\. ENTRYWAY_PUBLIC_URL=https:\/\/entryway\.example\.social$/,
  ],
  [
    'public URL with a path',
    { ...GOOD, ENTRYWAY_PUBLIC_URL: 'https://x.example/entryway' },
    /^ENTRYWAY_PUBLIC_URL: .* must be an origin \(no path\)/,
  ],
  [
    'public URL of another scheme',
    { ...GOOD, ENTRYWAY_PUBLIC_URL: 'ftp://x.example' },
    /^ENTRYWAY_PUBLIC_URL: "ftp:\/\/x\.example" must start with http:\/\/ or https:\/\//,
  ],
  [
    'short JWT key (value not echoed)',
    { ...GOOD, ENTRYWAY_JWT_SIGNING_KEY_HEX: 'abc123' },
    /^ENTRYWAY_JWT_SIGNING_KEY_HEX: must be 64 hex characters .* got 6 characters; e\.g\./,
  ],
  [
    'unreadable key file',
    {
      ...GOOD,
      ENTRYWAY_PLC_ROTATION_KEY_HEX: undefined,
      ENTRYWAY_PLC_ROTATION_KEY_FILE: '/nonexistent/key',
    },
    /^ENTRYWAY_PLC_ROTATION_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)/,
  ],
  [
    'port not a number',
    { ...GOOD, ENTRYWAY_PORT: '80a' },
    /^ENTRYWAY_PORT: "80a" is not a whole number; e\.g\. ENTRYWAY_PORT=2583$/,
  ],
  [
    'port out of range',
    { ...GOOD, ENTRYWAY_PORT: '70000' },
    /^ENTRYWAY_PORT: 70000 is out of range \(0–65535\)/,
  ],
  [
    'DID',
    { ...GOOD, ENTRYWAY_DID: 'entryway.example.social' },
    /^ENTRYWAY_DID: "entryway\.example\.social" is not a DID; e\.g\. ENTRYWAY_DID=did:web:/,
  ],
  [
    'boolean',
    { ...GOOD, ENTRYWAY_INVITE_REQUIRED: 'yes' },
    /^ENTRYWAY_INVITE_REQUIRED: "yes" is not true or false/,
  ],
  [
    'fleet hosts JSON',
    { ...GOOD, ENTRYWAY_FLEET_HOSTS: '[{"url":1}]' },
    /^ENTRYWAY_FLEET_HOSTS: must be a JSON array of \{url, did\}/,
  ],
  [
    'negative drain',
    { ...GOOD, ENTRYWAY_SHUTDOWN_DRAIN_MS: '-5' },
    /^ENTRYWAY_SHUTDOWN_DRAIN_MS: -5 is out of range/,
  ],
  [
    'log level',
    { ...GOOD, ENTRYWAY_LOG_LEVEL: 'verbose' },
    /^ENTRYWAY_LOG_LEVEL: "verbose" is not one of fatal, error, warn, info/,
  ],
  [
    'trust proxy address',
    { ...GOOD, ENTRYWAY_TRUST_PROXY: '10.0.0.0/8,lb.internal' },
    /^ENTRYWAY_TRUST_PROXY: invalid IP address: lb\.internal/,
  ],
  [
    'handle domain',
    { ...GOOD, ENTRYWAY_HANDLE_DOMAINS: '.example social' },
    /^ENTRYWAY_HANDLE_DOMAINS: "\.example social" is not a domain suffix/,
  ],
  [
    'SMTP URL',
    { ...GOOD, ENTRYWAY_SMTP_URL: 'mail.example.com:25' },
    /^ENTRYWAY_SMTP_URL: .* must start with smtp:\/\/ or smtps:\/\//,
  ],
  [
    'database URL',
    { ...GOOD, DATABASE_URL: 'mysql://db/x' },
    /^DATABASE_URL: .* must start with postgres:\/\/ or postgresql:\/\//,
  ],
  [
    'previous public key without its rotation time',
    { ...GOOD, ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: '04abc' },
    /^ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: each entry is <public key hex>@<ISO 8601 time it stopped signing>/,
  ],
]

for (const [what, env, line] of BAD) {
  t.test(`bad environment: ${what} → one readable line`, async (t) => {
    const lines = problemLines(env)
    t.equal(lines.length, 1, lines.join('\n'))
    t.match(lines[0], line)
  })
}

t.test('every problem is reported at once, secrets never echoed', async (t) => {
  const secret = 'not-hex-but-secret-value'
  const lines = problemLines({
    ENTRYWAY_PUBLIC_URL: 'not-a-url',
    ENTRYWAY_PORT: 'x',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: secret,
  })
  t.same(
    lines.map((l) => l.split(':')[0]),
    [
      'ENTRYWAY_PORT',
      'ENTRYWAY_PUBLIC_URL',
      'ENTRYWAY_JWT_SIGNING_KEY_HEX',
      'ENTRYWAY_PLC_ROTATION_KEY_HEX',
      'ENTRYWAY_PDS_ADMIN_PASSWORD',
    ],
  )
  t.notOk(lines.join('\n').includes(secret))
})

t.test('a key file is read and checked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entryway-keyfile-'))
  const file = join(dir, 'jwt.hex')
  writeFileSync(file, `${'ab'.repeat(32)}\n`)
  const { secrets } = loadConfig({
    ...GOOD,
    ENTRYWAY_JWT_SIGNING_KEY_HEX: undefined,
    ENTRYWAY_JWT_SIGNING_KEY_FILE: file,
  })
  t.equal(secrets.jwtSigningKeyHex, 'ab'.repeat(32))
  writeFileSync(file, 'zz')
  t.match(
    problemLines({
      ...GOOD,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: undefined,
      ENTRYWAY_JWT_SIGNING_KEY_FILE: file,
    }),
    [/^ENTRYWAY_JWT_SIGNING_KEY_FILE: .*jwt\.hex: must be 64 hex characters/],
  )
})

t.test(
  'mail settings: templates read and checked at start, nothing mail-only without SMTP',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'entryway-mail-templates-'))
    const smtp = { ENTRYWAY_SMTP_URL: 'smtp://127.0.0.1:2525' }
    writeFileSync(join(dir, 'signInCode.subject.txt'), 'Code {{code}} for {{serviceName}}\n')
    const { cfg } = loadConfig({ ...GOOD, ...smtp, ENTRYWAY_MAIL_TEMPLATES_DIR: dir })
    t.same(cfg.email?.templates, { signInCode: { subject: 'Code {{code}} for {{serviceName}}' } })
    writeFileSync(join(dir, 'resetPassword.txt'), 'Reset with {{token}}')
    writeFileSync(join(dir, 'sign-in.html'), '<p>{{code}}</p>')
    t.match(problemLines({ ...GOOD, ...smtp, ENTRYWAY_MAIL_TEMPLATES_DIR: dir }), [
      /^ENTRYWAY_MAIL_TEMPLATES_DIR: resetPassword\.txt: unknown placeholder \{\{token\}\} \(known: code, /,
      /^ENTRYWAY_MAIL_TEMPLATES_DIR: sign-in\.html: not a template name/,
    ])
    t.match(problemLines({ ...GOOD, ...smtp, ENTRYWAY_MAIL_TEMPLATES_DIR: join(dir, 'nope') }), [
      /^ENTRYWAY_MAIL_TEMPLATES_DIR: cannot read the directory .*nope: ENOENT/,
    ])
    t.match(
      problemLines({ ...GOOD, ENTRYWAY_MAIL_TEMPLATES_DIR: dir, ENTRYWAY_EMAIL_FROM: 'a@b.test' }),
      [
        /^ENTRYWAY_SMTP_URL: is required when ENTRYWAY_EMAIL_FROM is set/,
        /^ENTRYWAY_SMTP_URL: is required when ENTRYWAY_MAIL_TEMPLATES_DIR is set/,
      ],
      'mail-only settings without a mail server are refused (the PDS refuses a sender without one)',
    )
  },
)

/** The real process: `./dev gateway` and `entryway check-config`. */
function runBin(file: string, args: string[], env: Record<string, string | undefined>) {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'apps/gateway/src/bin', file), ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  )
  return { status: res.status, stderr: res.stderr, stdout: res.stdout }
}

t.test(
  'the gateway process: the two issue cases print a line each, exit 78, no stack trace',
  async (t) => {
    const res = runBin('gateway.ts', [], {
      ENTRYWAY_PUBLIC_URL: 'not-a-url',
      ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
      ENTRYWAY_PDS_ADMIN_PASSWORD: 'x',
    })
    t.equal(res.status, EXIT_CONFIG)
    const lines = res.stderr.trim().split('\n')
    t.match(lines[0], /^entryway: the configuration has 2 problems/)
    t.match(lines[1], /^ {2}ENTRYWAY_PUBLIC_URL: "not-a-url" is not a URL; e\.g\./)
    t.match(lines[2], /^ {2}ENTRYWAY_JWT_SIGNING_KEY_HEX: is required/)
    t.equal(lines.length, 3, res.stderr)
    t.notMatch(res.stderr, /\n\s+at /, 'no stack frame')
  },
)

t.test('check-config: 0 and a summary when good; --check is the same command', async (t) => {
  const good = runBin('entryway.ts', ['check-config'], GOOD)
  t.equal(good.status, 0, good.stderr)
  t.match(
    good.stdout,
    /^configuration OK\n {2}public URL {2}https:\/\/entryway\.example\.social \(did:web:entryway\.example\.social\)/,
  )
  t.notOk(good.stdout.includes('admin-pass'))
  const bad = runBin('gateway.ts', ['--check'], { ...GOOD, ENTRYWAY_PORT: 'x' })
  t.equal(bad.status, EXIT_CONFIG)
  t.match(bad.stderr, /ENTRYWAY_PORT: "x" is not a whole number/)
})
