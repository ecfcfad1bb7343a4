/**
 * The error hierarchy. Domain code throws these; the HTTP and WebSocket middleware turn them into a
 * response or an error frame in one place. Anything else is a 500 whose details never leave the server.
 */
export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `body.text` or `variants.2`. */
  field: string;
  message: string;
  /** A finer code for this field when the error's own code is general (a CSV row's `UNKNOWN_ROLE`). */
  code?: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid credentials') {
    super(401, 'UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'not allowed', details: ErrorDetail[] = []) {
    super(403, 'FORBIDDEN', message, details);
  }
}

/**
 * Also what callers get for another tenant's or shop's object: the same shape whether it exists or not,
 * so ids cannot be enumerated (OWASP API1).
 */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'PAYLOAD_TOO_LARGE', `body exceeds ${limitBytes} bytes`);
  }
}

export class RateLimitedError extends AppError {
  constructor(message = 'too many requests') {
    super(429, 'RATE_LIMITED', message);
  }
}

/**
 * A dependency (DynamoDB, SQS) throttled, unreachable or failing after the SDK's own retries, or a write
 * that stayed contended: nothing is wrong with the request and the client may retry it after
 * `retryAfterSeconds` (HTTP `Retry-After`, the error frame's `retryAfterSeconds`).
 */
export class ServiceUnavailableError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(message = 'service busy, retry shortly', options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(503, 'SERVICE_UNAVAILABLE', message);
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
