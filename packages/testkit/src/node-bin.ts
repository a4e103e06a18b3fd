import { pinnedNodePath } from './paths.js'

const MIN_MAJOR = 22

/** The Node that runs the gateway and the mail sink: this one when it is ≥ 22, else the pinned one. */
export function workspaceNodePath(): string {
  const major = Number.parseInt(process.versions.node.split('.')[0]!, 10)
  return major >= MIN_MAJOR ? process.execPath : pinnedNodePath()
}
