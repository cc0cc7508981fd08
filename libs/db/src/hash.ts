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

/** A UUID (version-5 shaped) derived from a business key: the same key always names the same record. */
export function uuidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
