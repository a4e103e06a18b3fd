import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  EMAIL_KINDS,
  MAIL_PLACEHOLDERS,
  unknownPlaceholders,
  type EmailKind,
  type MailPart,
  type MailTemplateOverrides,
} from './email-templates.js'

const FILE = /^([A-Za-z]+)\.(subject\.txt|txt|html)$/
/** Names that look meant as templates: a typo among them is a problem, not silently skipped. */
const TEMPLATE_LIKE = /\.(txt|html?|hbs)$/i
const PART_OF: Record<string, MailPart> = { 'subject.txt': 'subject', txt: 'text', html: 'html' }

export interface MailTemplateDir {
  overrides: MailTemplateOverrides
  /** Everything wrong, one line each; the caller refuses to start on any. */
  problems: string[]
}

/**
 * Reads an operator's overrides from `dir` (pds-gatekeeper's template directory is the model):
 * `<kind>.subject.txt`, `<kind>.txt` and `<kind>.html`, any subset, for each kind in
 * `EMAIL_KINDS`. Other files are ignored unless they look like templates (`.txt`, `.html`,
 * `.hbs`), which must then be named right. Synchronous: it runs once, at start-up.
 */
export function readMailTemplateDir(dir: string): MailTemplateDir {
  const problems: string[] = []
  const overrides: MailTemplateOverrides = {}
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch (err) {
    return { overrides, problems: [`cannot read the directory ${dir}: ${errCode(err)}`] }
  }
  const expected = `<kind>.subject.txt, <kind>.txt or <kind>.html, <kind> one of ${EMAIL_KINDS.join(', ')}`
  let found = 0
  for (const name of names) {
    if (name.startsWith('.')) continue
    const m = FILE.exec(name)
    if (!m || !(EMAIL_KINDS as readonly string[]).includes(m[1]!)) {
      if (TEMPLATE_LIKE.test(name)) problems.push(`${name}: not a template name (${expected})`)
      continue
    }
    const kind = m[1] as EmailKind
    const part = PART_OF[m[2]!]!
    let body: string
    try {
      body = readFileSync(join(dir, name), 'utf8')
    } catch (err) {
      problems.push(`${name}: cannot be read: ${errCode(err)}`)
      continue
    }
    found++
    if (part === 'subject') body = body.trim()
    if (!body.trim()) {
      problems.push(`${name}: is empty`)
      continue
    }
    if (part === 'subject' && /[\r\n]/.test(body)) {
      problems.push(`${name}: a subject is one line`)
      continue
    }
    const unknown = unknownPlaceholders(body)
    if (unknown.length) {
      problems.push(
        `${name}: unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')} (known: ${MAIL_PLACEHOLDERS.join(', ')})`,
      )
      continue
    }
    ;(overrides[kind] ??= {})[part] = body
  }
  if (!found && !problems.length) problems.push(`${dir} holds no template (${expected})`)
  return { overrides, problems }
}

function errCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e?.code ?? String(e?.message ?? err)
}
