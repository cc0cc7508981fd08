import { Injectable } from '@nestjs/common';
import { RequestKeysRepository, requestHash } from '@app/db';
import { ProblemException, Problems } from './problem';

/**
 * Idempotency-Key handling for requests whose effect lives outside this database (Temporal
 * updates). The first request under a key runs; its answer (result, or 4xx problem) is stored; a
 * retry gets the same answer; the same key with another request is a 409. Two concurrent first
 * requests both run `fn`, which must itself be idempotent under the key (Temporal update ids are).
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: RequestKeysRepository) {}

  async once<T>(key: string | undefined, scope: string, request: unknown, fn: () => Promise<T>): Promise<T> {
    if (!key) return fn();
    const hash = requestHash({ scope, request });
    const row = await this.keys.claim(key, scope, hash);
    if (row.requestHash !== hash) {
      throw Problems.conflict('idempotency_key_reused', 'this Idempotency-Key was already used with a different request; use a new key for a new request');
    }
    if (row.responseStatus !== null) {
      if (row.responseStatus < 300) return row.responseBody as T;
      const body = row.responseBody as { code: string; detail: string };
      throw new ProblemException(row.responseStatus, body.code, `${body.detail} (the answer first given to this Idempotency-Key)`);
    }
    try {
      const result = await fn();
      await this.keys.answer(key, 200, result as object);
      return result;
    } catch (err) {
      if (err instanceof ProblemException && err.status >= 400 && err.status < 500) {
        await this.keys.answer(key, err.status, { code: err.code, detail: err.detail });
      }
      throw err;
    }
  }
}
