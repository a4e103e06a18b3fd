/**
 * XRPC-shaped errors. Every package throws these (or subclasses); one error handler
 * (`xrpcErrorHandler`) turns them into `{ error, message }` bodies with the right status.
 */
/** 5xx statuses whose message is meant for the client (not a fault's internals). */
const CLIENT_FACING_5XX = new Set([501, 502, 503, 504])

export class XrpcError extends Error {
  override name = 'XrpcError'
  constructor(
    /** HTTP status */
    readonly status: number,
    /** XRPC error name, e.g. `InvalidRequest`, `HandleNotAvailable` */
    readonly error: string,
    message?: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message ?? error, options?.cause !== undefined ? { cause: options.cause } : undefined)
    this.headers = options?.headers
  }
  readonly headers?: Record<string, string>

  /**
   * The body sent to clients. Server faults (500 and unknown 5xx) never leak their internal
   * message; 501 and the upstream statuses (502–504) are written for the client to read.
   */
  get payload(): { error: string; message?: string } {
    if (this.status >= 500 && !CLIENT_FACING_5XX.has(this.status)) {
      return { error: this.error, message: 'Internal Server Error' }
    }
    return { error: this.error, message: this.message }
  }
}

/** 400. `error` defaults to `InvalidRequest`; lexicon-declared errors pass their own name. */
export class InvalidRequestError extends XrpcError {
  override name = 'InvalidRequestError'
  constructor(message?: string, error = 'InvalidRequest', options?: { cause?: unknown }) {
    super(400, error, message, options)
  }
}

/** 401 */
export class AuthRequiredError extends XrpcError {
  override name = 'AuthRequiredError'
  constructor(message?: string, error = 'AuthenticationRequired', options?: { cause?: unknown }) {
    super(401, error, message, options)
  }
}

/** 403 */
export class ForbiddenError extends XrpcError {
  override name = 'ForbiddenError'
  constructor(message?: string, error = 'Forbidden', options?: { cause?: unknown }) {
    super(403, error, message, options)
  }
}

/** 404 */
export class NotFoundError extends XrpcError {
  override name = 'NotFoundError'
  constructor(message?: string, error = 'NotFound', options?: { cause?: unknown }) {
    super(404, error, message, options)
  }
}

/** 429 */
export class RateLimitExceededError extends XrpcError {
  override name = 'RateLimitExceededError'
  constructor(message = 'Rate Limit Exceeded', options?: { headers?: Record<string, string> }) {
    super(429, 'RateLimitExceeded', message, options)
  }
}

/** 500: the message is logged, never sent. */
export class InternalServerError extends XrpcError {
  override name = 'InternalServerError'
  constructor(message?: string, options?: { cause?: unknown }) {
    super(500, 'InternalServerError', message, options)
  }
}

/** 501 */
export class MethodNotImplementedError extends XrpcError {
  override name = 'MethodNotImplementedError'
  constructor(message = 'Method Not Implemented') {
    super(501, 'MethodNotImplemented', message)
  }
}

/** 502: an upstream (PDS, PLC) answered badly or refused the connection. */
export class UpstreamFailureError extends XrpcError {
  override name = 'UpstreamFailureError'
  constructor(message = 'Upstream Failure', options?: { cause?: unknown }) {
    super(502, 'UpstreamFailure', message, options)
  }
}

/** 503: a dependency (database, no healthy host) is unavailable right now. */
export class ServiceUnavailableError extends XrpcError {
  override name = 'ServiceUnavailableError'
  constructor(
    message = 'Service Unavailable',
    error = 'ServiceUnavailable',
    options?: { cause?: unknown },
  ) {
    super(503, error, message, options)
  }
}

/**
 * 503 `UpstreamUnavailable`: the host that holds the account is not answering (its circuit is
 * open); retryable, with `retry-after` in seconds.
 */
export class UpstreamUnavailableError extends XrpcError {
  override name = 'UpstreamUnavailableError'
  constructor(message: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(503, 'UpstreamUnavailable', message, {
      ...options,
      headers: { 'retry-after': String(retryAfterSeconds) },
    })
  }
}

/** 504: an upstream did not answer in time. */
export class UpstreamTimeoutError extends XrpcError {
  override name = 'UpstreamTimeoutError'
  constructor(message = 'Upstream Timeout', options?: { cause?: unknown }) {
    super(504, 'UpstreamTimeout', message, options)
  }
}

/** Thrown at plugin registration when options are invalid. Never reaches a client. */
export class EntrywayConfigError extends Error {
  override name = 'EntrywayConfigError'
}
