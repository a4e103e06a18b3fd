import { lexicons } from '@atproto/api'
import { InvalidRequestError } from './errors.js'
import { assertStorable } from './storable-input.js'

// The lexicon set shipped with @atproto/api: the same documents the PDS validates against.

/**
 * Validates a procedure's JSON body against its lexicon, and that the database can store it;
 * throws `InvalidRequest` (400) with the reason.
 */
export function assertValidXrpcInput(nsid: string, body: unknown): void {
  assertStorable(body, 'input')
  try {
    lexicons.assertValidXrpcInput(nsid, body)
  } catch (err) {
    throw new InvalidRequestError(
      err instanceof Error ? err.message : 'Invalid input',
      'InvalidRequest',
      { cause: err },
    )
  }
}

/** Validates query parameters (already parsed into an object) against the lexicon, and that they are storable. */
export function assertValidXrpcParams(nsid: string, params: Record<string, unknown>): void {
  assertStorable(params, 'query')
  try {
    lexicons.assertValidXrpcParams(nsid, params)
  } catch (err) {
    throw new InvalidRequestError(
      err instanceof Error ? err.message : 'Invalid parameters',
      'InvalidRequest',
      { cause: err },
    )
  }
}

/** Checks our own responses in tests and dev: a mismatch is our bug, so it is a 500. */
export function assertValidXrpcOutput(nsid: string, body: unknown): void {
  lexicons.assertValidXrpcOutput(nsid, body)
}
