import { HttpStatus } from '@nestjs/common';

/** One field error in a 400 response. */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `name` or `items.0.quantity`. */
  field: string;
  /** Machine-readable reason (the failed constraint), e.g. `isNotEmpty`, `whitelistValidation`. */
  code: string;
  message: string;
}

/**
 * The error body of every 4xx/5xx response, after RFC 9457 (application/problem+json), with a
 * stable machine-readable `code` and, for validation failures, `errors` per field.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  requestId?: string;
}

/** A domain or request error that maps to a problem response. Throw it from services. */
export class ProblemException extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Extension members of the problem document (RFC 9457 §3.2), e.g. the figures of `over_budget`, the `problems` of `invalid_recipe`. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}

export const Problems = {
  notFound: (what: string, id: string) => new ProblemException(HttpStatus.NOT_FOUND, 'not_found', `${what} ${id} does not exist`),
  conflict: (code: string, detail: string) => new ProblemException(HttpStatus.CONFLICT, code, detail),
  /** A 400 about one field that a decorator cannot check (it depends on other fields or records). */
  badRequest: (field: string, message: string) =>
    new ProblemException(HttpStatus.BAD_REQUEST, 'validation_failed', message, [{ field, code: 'invalid', message }]),
  temporalUnavailable: (detail = 'the workflow engine (Temporal) is unreachable; try again shortly') =>
    new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'temporal_unavailable', detail),
};
