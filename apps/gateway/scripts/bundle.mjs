// The production entry point: the compiled gateway (dist/bin/gateway.js, from `tsc -b`) bundled
// by esbuild into one ES module, dist/bundle/gateway.mjs, which the container image runs.
// Why: importing the unbundled gateway opens ~3,400 files (undici, @atproto/api's lexicons,
// kysely, …) and costs ~2.9 CPU-seconds in module resolution and loading before the first
// request; the bundle is one file, and the image starts in well under the 2 s goal.
// Left out of the bundle, resolved from node_modules at run time (they are direct dependencies of
// this package for that reason): packages that read files beside themselves (PGlite's WASM and
// data files, the OAuth provider's UI assets) and optional native addons.
//   node apps/gateway/scripts/bundle.mjs     (after tsc -b; `pnpm build` runs both)
import { build } from 'esbuild'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outfile = join(root, 'dist', 'bundle', 'gateway.mjs')

const BUNDLE_EXTERNALS = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  '@atproto/oauth-provider-ui',
  '@atproto/oauth-provider-ui/*',
  'pg-native',
]

const result = await build({
  entryPoints: [join(root, 'dist', 'bin', 'gateway.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // no custom conditions: `@entryway/source` (tsx, tsc) stays out, so workspace packages come from
  // dist, and require() keeps taking packages' CommonJS entries (pg-pool's ESM one breaks pg)
  external: BUNDLE_EXTERNALS,
  // Whitespace and comments out: fewer bytes to read and parse, and an all-ASCII file, which Node
  // decodes in one fast pass (a few non-ASCII comments put 13 MB through the slow UTF-8 path, 0.4 s).
  // Names stay (keepNames, no identifier minifying), and the linked source map has the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  charset: 'ascii',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
  // CommonJS dependencies bundled into an ES module still call require() and read __dirname
  banner: {
    js: [
      "import { createRequire as __entrywayCreateRequire } from 'node:module'",
      "import { fileURLToPath as __entrywayFileURLToPath } from 'node:url'",
      "import { dirname as __entrywayDirname } from 'node:path'",
      'const require = __entrywayCreateRequire(import.meta.url)',
      'const __filename = __entrywayFileURLToPath(import.meta.url)',
      'const __dirname = __entrywayDirname(__filename)',
    ].join(';\n'),
  },
})
// esbuild leaves non-ASCII inside regular-expression literals (charset: 'ascii' covers strings and
// identifiers); \u escapes mean the same there and in strings, and keep the file all ASCII
const code = readFileSync(outfile, 'utf8')
const ascii = code.replace(
  /[^\x00-\x7f]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
)
if (ascii !== code) writeFileSync(outfile, ascii)
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
const inputs = Object.keys(result.metafile.inputs).length
process.stdout.write(
  `bundled ${inputs} modules into dist/bundle/gateway.mjs (${(bytes / 1e6).toFixed(1)} MB with its map)\n`,
)
