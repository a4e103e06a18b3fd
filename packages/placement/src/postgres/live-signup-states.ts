import { sql } from 'kysely'
import { LIVE_SIGNUP_STATES } from '../signup-store.js'

/**
 * `state in ('pending', …)` with the live states as literals: the partial indexes over in-flight
 * sign-ups (migration 026) have this predicate, and a planner proves an index usable from
 * literals, not from bound parameters of a generic plan.
 */
export const liveSignupState = sql<boolean>`state in ${sql.raw(`(${LIVE_SIGNUP_STATES.map((s) => `'${s}'`).join(', ')})`)}`
