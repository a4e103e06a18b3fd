/** Rows as aligned columns for a terminal; a missing value prints as `-`. */
export function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  const cells = [
    cols,
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the cells are the API's JSON scalars
    ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c])))),
  ]
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)))
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
