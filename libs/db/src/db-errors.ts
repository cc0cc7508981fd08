/**
 * Telling PostgreSQL's errors apart where the API and the worker decide what they mean: the data's
 * fault, a conflict to retry, or the database being unreachable.
 */

/** Five characters, as SQLSTATEs are; none starts with E, as Node's socket codes do (EPIPE). */
const SQLSTATE = /^[0-9A-DF-Z][0-9A-Z]{4}$/;

/** The PostgreSQL SQLSTATE of an error, looking through TypeORM's wrapper and `cause` chains. */
export function sqlStateOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const { code, driverError, cause } = e as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && SQLSTATE.test(code)) return code;
    e = driverError ?? cause;
  }
  return undefined;
}

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
/**
 * SQLSTATEs of a server that is going away, starting, overloaded, or that cancelled a statement
 * at `statement_timeout`: class 08 (connection exception), 57P01-57P03 (admin/crash shutdown,
 * cannot connect now), 53300 (too many connections), 57014 (query canceled).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300|57014)$/;
/** What pg and its pool say when a connection timed out (`timeout expired`: a client's connect) or dropped; they set no code. */
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|^timeout expired$|Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i;

/**
 * Whether an error means PostgreSQL could not be reached or did not answer in time (as opposed to
 * refusing the statement): the request may be sent again once it is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const { code, message, driverError, cause } = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    e = driverError ?? cause;
  }
  // Node's AggregateError (a host with several addresses, all refused) carries the codes in `errors`.
  const errors = (err as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable);
}
