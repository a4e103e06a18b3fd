import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@entryway/testkit'
import { optionsOf, PLUGIN_OPTIONS, withTable, START } from '../../../scripts/options-tables.mjs'

interface Option {
  name: string
  type: string
  default: string
  required: boolean
}

// Fastify's plugin README shape
const SECTIONS = ['Install', 'Compatibility', 'Usage', 'Options', 'Decorators', 'Errors']

// Each plugin README's options table is what its options interface says (regenerate with
// `./dev node scripts/options-tables.mjs --write`), and every optional option states its default.
for (const pkg of Object.keys(PLUGIN_OPTIONS)) {
  t.test(`@entryway/${pkg}: the README's options table matches src/options.ts`, async (t) => {
    const readme = readFileSync(join(REPO_ROOT, 'packages', pkg, 'README.md'), 'utf8')
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1])
    for (const section of SECTIONS)
      t.ok(headings.includes(section), `has a "## ${section}" section`)
    t.ok(readme.includes(START), 'the README has a generated options table')
    t.equal(
      withTable(readme, pkg),
      readme,
      'the table is up to date (node scripts/options-tables.mjs --write)',
    )
    const options = optionsOf(pkg) as Option[]
    t.ok(options.length > 0)
    for (const o of options.filter((x) => !x.required))
      t.ok(o.default, `optional ${o.name} documents its @default`)
  })
}
