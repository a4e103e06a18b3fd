import { MemoryBlockstore, Repo, readCarWithRoot } from '@atproto/repo'

/** What a repo holds, for comparing two copies: record path → record CID, and the commit's rev. */
export interface RepoInventory {
  rev: string
  records: Map<string, string>
}

/** Reads a whole-repo CAR (`sync.getRepo`) and lists its records; the CAR's CIDs are verified. */
export async function repoInventory(car: Uint8Array): Promise<RepoInventory> {
  const { root, blocks } = await readCarWithRoot(car)
  const repo = await Repo.load(new MemoryBlockstore(blocks), root)
  const records = new Map<string, string>()
  for (const leaf of await repo.data.leaves()) records.set(leaf.key, leaf.value.toString())
  return { rev: repo.commit.rev, records }
}

/** Paths missing from `copy` or with another CID there; empty when every record of `original` is in `copy`. */
export function inventoryDifferences(original: RepoInventory, copy: RepoInventory): string[] {
  const diff: string[] = []
  for (const [path, cid] of original.records) if (copy.records.get(path) !== cid) diff.push(path)
  for (const path of copy.records.keys()) if (!original.records.has(path)) diff.push(path)
  return diff
}
