/**
 * The request id of the HTTP request that started or messaged a workflow travels with it as a
 * Temporal header (client → workflow → its activities and children), so that the log lines of all
 * of them carry it. Runs inside the workflow sandbox too: pure constants only.
 */

/** The Temporal header that carries the request id (its payload is the id as a JSON string). */
export const REQUEST_ID_HEADER = 'dpn-request-id';

/** The log attribute (and JSON log field) that holds it. */
export const REQUEST_ID_ATTRIBUTE = 'requestId';

/**
 * What a request id may look like: a client's own `x-request-id` is used only if it matches
 * (bounded, safe characters: it lands in logs, headers and problem documents); otherwise one is made.
 */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;
