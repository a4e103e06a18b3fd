// Each plugin README's options table (type, default, required), generated from the plugin's
// options interface in src/options.ts: the type as written, `@default` from its doc comment,
// required when the property has no `?`. README test: apps/gateway/test/readme-options.test.ts.
// Usage: node scripts/options-tables.mjs [--write]   (without --write: exit 1 when a table is stale)
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

const root = new URL('..', import.meta.url).pathname
export const START =
  '<!-- OPTIONS_TABLE_START (generated: node scripts/options-tables.mjs --write) -->'
export const END = '<!-- OPTIONS_TABLE_END -->'

/** package folder → the options interface its plugin takes */
export const PLUGIN_OPTIONS = {
  session: 'SessionPluginOptions',
  placement: 'PlacementOptions',
  proxy: 'ProxyOptions',
  oauth: 'OAuthPluginOptions',
  'admin-rbac': 'AdminRbacOptions',
  metrics: 'MetricsPluginOptions',
}

const cell = (s) => s.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim()

/** The options of one interface: name, type text, default (from `@default`), required. */
export function optionsOf(pkg) {
  const file = join(root, 'packages', pkg, 'src', 'options.ts')
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const iface = src.statements.find(
    (s) => ts.isInterfaceDeclaration(s) && s.name.text === PLUGIN_OPTIONS[pkg],
  )
  if (!iface) throw new Error(`${pkg}: no interface ${PLUGIN_OPTIONS[pkg]} in src/options.ts`)
  return iface.members.filter(ts.isPropertySignature).map((m) => {
    const tag = ts.getJSDocTags(m).find((t) => t.tagName.text === 'default')
    const def = tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '') : ''
    return {
      name: m.name.getText(src),
      type: m.type ? m.type.getText(src) : 'unknown',
      default: def,
      required: !m.questionToken,
    }
  })
}

export function optionsTable(pkg) {
  const rows = optionsOf(pkg).map(
    (o) =>
      `| \`${o.name}\` | \`${cell(o.type)}\` | ${o.default ? cell(o.default) : '—'} | ${o.required ? 'yes' : 'no'} |`,
  )
  return ['| Option | Type | Default | Required |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

/** The README with its table replaced (or the README unchanged when it has no markers). */
export function withTable(readme, pkg) {
  const a = readme.indexOf(START)
  const b = readme.indexOf(END)
  if (a < 0 || b < a) return null
  return `${readme.slice(0, a + START.length)}\n${optionsTable(pkg)}\n${readme.slice(b)}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const write = process.argv.includes('--write')
  let stale = 0
  for (const pkg of Object.keys(PLUGIN_OPTIONS)) {
    const path = join(root, 'packages', pkg, 'README.md')
    let readme = readFileSync(path, 'utf8')
    if (!readme.includes(START)) {
      // first run: the table goes right under the "## Options" heading
      readme = readme.replace(/^## Options\n/m, `## Options\n\n${START}\n${END}\n`)
    }
    const next = withTable(readme, pkg)
    if (next === null) throw new Error(`${path}: no "## Options" section`)
    if (next !== readFileSync(path, 'utf8')) {
      stale++
      if (write) writeFileSync(path, next)
      process.stdout.write(`${write ? 'wrote' : 'stale'} ${path}\n`)
    }
  }
  if (stale && !write) process.exit(1)
}
