/** Where a move job is: queued, being run (or rolled back), or finished one way or the other. */
export type MoveState = 'queued' | 'running' | 'rolling_back' | 'done' | 'rolled_back' | 'failed'

/** The steps of a move, in order (docs/account-moves.md). A job's `step` is the next one to run. */
export const MOVE_STEPS = [
  'freeze',
  'create',
  'import',
  'blobs',
  'prefs',
  'verify',
  'activate',
  'cleanup',
  'finished',
] as const
export type MoveStep = (typeof MOVE_STEPS)[number]

/** Steps after which the move only goes forward (the target is live). */
export const POINT_OF_NO_RETURN: MoveStep = 'activate'

export const LIVE_MOVE_STATES: readonly MoveState[] = ['queued', 'running', 'rolling_back']

export interface MoveJob {
  id: number
  did: string
  sourceHostId: number
  targetHostId: number
  state: MoveState
  step: MoveStep
  sourceSigningKey: string | null
  evacuation: string | null
  error: string | null
  attempts: number
  leaseOwner: string | null
  leaseUntil: string | null
  frozenAt: string | null
  finishedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface NewMoveJob {
  did: string
  sourceHostId: number
  targetHostId: number
  evacuation?: string | null
}

export type MoveJobPatch = Partial<
  Pick<
    MoveJob,
    'state' | 'step' | 'sourceSigningKey' | 'error' | 'attempts' | 'frozenAt' | 'finishedAt'
  >
>

export function isLiveMove(state: MoveState): boolean {
  return LIVE_MOVE_STATES.includes(state)
}

export function stepIndex(step: MoveStep): number {
  return MOVE_STEPS.indexOf(step)
}
