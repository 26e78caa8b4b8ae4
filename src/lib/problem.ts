/**
 * The typed errors that domain code throws. Each has a stable machine-readable `code`; the HTTP
 * error handler turns them into RFC 9457 problem+json. Every code is listed in docs/errors.md, and a
 * test fails when one is missing there.
 */

export const PROBLEM_CODES = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  malformed_body: { status: 400, title: 'The request body cannot be decoded' },
  unauthenticated: { status: 401, title: 'Authentication is required' },
  second_factor_required: { status: 401, title: 'A second factor is required' },
  second_factor_enrolment_required: { status: 403, title: 'Enrol a second factor first' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  illegal_transition: { status: 409, title: 'This step is not allowed in the current state' },
  idempotency_mismatch: { status: 422, title: 'The idempotency key was used with a different request' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface ProblemDetail {
  /** JSON pointer to the field at fault, e.g. `/observables/3/value`. */
  field?: string;
  message: string;
  code?: string;
}

export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly field?: string;
  readonly errors?: ProblemDetail[];
  readonly extra?: Record<string, unknown>;

  constructor(
    code: ProblemCode,
    message: string,
    options: { field?: string; errors?: ProblemDetail[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'Problem';
    this.code = code;
    this.status = PROBLEM_CODES[code].status;
    this.field = options.field;
    this.errors = options.errors;
    this.extra = options.extra;
  }
}

export const validationFailed = (field: string, message: string, errors?: ProblemDetail[]) =>
  new Problem('validation_failed', message, { field, errors });
export const notFound = (what: string) => new Problem('not_found', `${what} was not found`);
export const forbidden = (message: string) => new Problem('forbidden', message);
export const conflict = (message: string, extra?: Record<string, unknown>) =>
  new Problem('conflict', message, { extra });

/** 409 for a state machine that refused an event; names the events that are allowed. */
export function illegalTransition(what: string, state: string, event: string, allowed: readonly string[]): Problem {
  return new Problem(
    'illegal_transition',
    `${what} is ${state}: "${event}" is not allowed; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    { extra: { state, event, allowed: [...allowed] } },
  );
}
