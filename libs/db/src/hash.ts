import { createHash } from 'node:crypto';

/** Stable SHA-256 of a request body (bigints as strings), to tell a retry from a reused key. */
export function requestHash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');
}

/** Thrown when an idempotency key comes back with a different request. */
export class IdempotencyConflictError extends Error {
  constructor(key: string) {
    super(`idempotency key '${key}' was already used with a different request; use a new key for a new request`);
    this.name = 'IdempotencyConflictError';
  }
}

/** Thrown when a referenced record does not exist. */
export class RecordNotFoundError extends Error {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} does not exist`);
    this.name = 'RecordNotFoundError';
  }
}
