import { isUniqueViolation } from '@app/db';
import { Problems } from './problem';

/** Runs a write; a unique-constraint violation becomes a 409 with the given message. */
export async function uniqueOr409<T>(write: () => Promise<T>, code: string, detail: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw Problems.conflict(code, detail);
    throw err;
  }
}
