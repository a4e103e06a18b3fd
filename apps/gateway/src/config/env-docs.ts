import { ENV_TABLE, type EnvVar } from './env-table.js'

export const ENV_TABLE_START =
  '<!-- env-table:start (generated from apps/gateway/src/config/env-table.ts) -->'
export const ENV_TABLE_END = '<!-- env-table:end -->'

const rows = () => Object.values(ENV_TABLE) as EnvVar<unknown>[]
const displayName = (e: EnvVar<unknown>) => (e.family ? `${e.name}<NAME>` : e.name)
const requiredText = (e: EnvVar<unknown>) =>
  e.required === true ? 'yes' : e.required ? `yes, or ${e.required}` : ''
const cell = (s: string) => s.replace(/\|/g, '\\|')

/** The README's configuration table, between its markers. */
export function envMarkdownTable(): string {
  return [
    ENV_TABLE_START,
    '| variable | type | default | required | secret | what |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows().map(
      (e) =>
        `| \`${displayName(e)}\` | ${cell(e.type.label)} | ${e.default === undefined ? '' : `\`${cell(e.default)}\``} | ${requiredText(e)} | ${e.secret ? 'yes' : ''} | ${cell(e.description)} |`,
    ),
    ENV_TABLE_END,
  ].join('\n')
}

/** `entryway --help`'s list of variables. */
export function envHelpText(): string {
  const width = Math.max(...rows().map((e) => displayName(e).length))
  return rows()
    .map((e) => {
      const facts = [
        e.type.label,
        e.default === undefined ? null : `default ${e.default}`,
        requiredText(e) ? `required${e.required === true ? '' : ` (or ${e.required})`}` : null,
        e.secret ? 'secret' : null,
      ]
      return `  ${displayName(e).padEnd(width)}  ${e.description.replace(/`/g, '')} [${facts.filter(Boolean).join('; ')}]`
    })
    .join('\n')
}
