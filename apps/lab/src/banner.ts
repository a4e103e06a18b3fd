import { relative } from 'node:path'
import type { LabInfo } from './lab.js'

const RULE = '─'.repeat(72)

/** The text printed once everything is healthy. */
export function renderBanner(info: LabInfo, cwd = process.cwd()): string {
  const rel = (p: string) => {
    const r = relative(cwd, p)
    return r && !r.startsWith('..') ? r : p
  }
  const gw = info.entryway.url
  const handle = `alice${info.handleDomain}`
  const row = (label: string, value: string, extra = '') =>
    `  ${label.padEnd(20)}${value.padEnd(30)}${extra}`
  const lines = [
    RULE,
    `  The Entryway lab is up: ${info.pds.length} PDS${info.pds.length > 1 ? 'es' : ''}, ${info.entryway.urls.length} gateway${info.entryway.urls.length > 1 ? 's' : ''}, PLC ${info.plc.storage === 'memory' ? 'in memory (accounts last until the lab stops)' : 'on Postgres (accounts survive restarts)'}`,
    '',
    row('Entryway', gw, info.entryway.did),
    ...info.entryway.urls
      .slice(1)
      .map((u, i) => row(`  gateway ${i + 2}`, u, '(same service, another process)')),
    ...info.pds.map((p, i) => row(`PDS ${i + 1}`, p.url, p.did)),
    row('PLC directory', info.plc.url),
    row('Mail (browser)', info.mail.url, `SMTP ${info.mail.smtpUrl}`),
    row('Handle domain', info.handleDomain, `e.g. ${handle}`),
    row('PDS admin password', info.adminPassword, '(Basic admin:<password>)'),
    row(
      'Admin portal',
      info.admin.url,
      `sign in as ${info.admin.operator.handle} / ${info.admin.operator.password}`,
    ),
    '',
    '  Sign up with curl:',
    `    curl -s ${gw}/xrpc/com.atproto.server.createAccount \\`,
    `      -H 'content-type: application/json' \\`,
    `      -d '{"handle":"${handle}","email":"alice@example.com","password":"correct-horse-battery"}'`,
    '  Log in, and resolve the handle:',
    `    curl -s ${gw}/xrpc/com.atproto.server.createSession \\`,
    `      -H 'content-type: application/json' -d '{"identifier":"${handle}","password":"correct-horse-battery"}'`,
    `    curl -s -H 'Host: ${handle}' ${gw}/.well-known/atproto-did`,
    '',
    '  With the Bluesky app: "Create a new account" (or "Sign in") → Hosting provider →',
    `  Custom → ${gw}   (the app must be able to reach this machine's localhost,`,
    '  e.g. a local build of bluesky-social/social-app; the hosted app wants https).',
    '',
    `  Facts as JSON: ${rel(info.dir)}/lab.json    Logs: ${rel(info.dir)}/logs, ${rel(info.dir)}/data/*/`,
    '  Ctrl-C stops everything.',
    RULE,
  ]
  return lines.join('\n')
}
