/**
 * Failure types shared by activities, workflows and the API. The strings are stored in workflow
 * histories (as `ApplicationFailure.type`): never change them.
 *
 * Runs inside the workflow sandbox too: pure constants only.
 */

/**
 * An activity failed because of its data, not because a dependency was down: PostgreSQL refused
 * a value (a data exception such as an invalid byte sequence, SQLSTATE class 22) or a constraint
 * (class 23). Retrying the same input cannot succeed, so it is non-retryable: the workflow records
 * the failure, tells the coordinator, and goes on or fails cleanly.
 */
export const DATA_REJECTED = 'DataRejected';

/**
 * How the API answers a workflow's refusal (an `ApplicationFailure` of this `type` from an Update's
 * validator or handler): one HTTP status and problem `code` per type, in a table next to the
 * type's definition (each contract file), and `field` for a 400 about one request field.
 */
export interface RefusalAnswer {
  readonly status: 400 | 403 | 404 | 409 | 422;
  readonly code: string;
  readonly field?: string;
}

/** A table of answers for every value of a refusal constant such as `RoundRejection`. */
export type RefusalTable<T extends Record<string, string>> = { readonly [K in T[keyof T]]: RefusalAnswer };

/** Refusals any workflow may throw. */
export const CommonRejection = {
  /** A request argument the workflow checks itself (a cancel without a reason). */
  InvalidArgument: 'InvalidArgument',
} as const;

export const CommonRefusals: RefusalTable<typeof CommonRejection> = {
  [CommonRejection.InvalidArgument]: { status: 400, code: 'validation_failed', field: 'reason' },
};
