/** The API's problem documents (RFC 9457) as the app shows them: in words. */

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    /** The problem's extension members (RFC 9457 §3.2): the figures of a refusal, e.g. `needed`, `available`. */
    readonly extras: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  static from(status: number, body: unknown): ApiProblem {
    const b = (body && typeof body === 'object' ? body : {}) as { code?: unknown; detail?: unknown; errors?: unknown };
    return new ApiProblem(
      status,
      typeof b.code === 'string' ? b.code : status >= 500 ? 'server_error' : 'error',
      typeof b.detail === 'string' ? b.detail : '',
      Array.isArray(b.errors) ? (b.errors as FieldError[]) : [],
      Object.fromEntries(Object.entries(b).filter((e): e is [string, string] => typeof e[1] === 'string' && !['type', 'title', 'code', 'detail', 'instance'].includes(e[0]))),
    );
  }

  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

const WORDS: Record<string, string> = {
  unauthorized: 'Sign in to see this page.',
  session_expired: 'Your session has expired. Sign in again to go on.',
  csrf_failed: 'This page is out of date (its security token is missing). Reload the page and try again; nothing was changed.',
  member_suspended: 'Your membership is suspended: ask the coordinator.',
  not_found: 'There is nothing here: the address is wrong, or it is not yours to see.',
  not_an_owner: 'Only the co-owners of this asset see and place its orders.',
  insufficient_funds: 'Your account does not hold enough for this pledge. Lower it, or ask the coordinator about a deposit.',
  round_closed: 'The round has closed: pledges can no longer be changed.',
  order_window_closed: 'The order window is closed: orders can no longer be changed.',
  no_order_cycle: 'This asset takes no orders yet.',
  no_catalogue: 'This asset has nothing to order from yet.',
  already_answered: 'You have already answered; answers are final.',
  decision_closed: 'This decision has closed: answers are no longer taken.',
  temporal_unavailable: 'The system is busy or partly down. Nothing was changed; try again in a minute.',
  workflow_timeout: 'This is taking longer than it should. Send the same again in a moment: it will not count twice.',
  retry: 'This may still be on its way. Send the same again in a moment: the last one counts.',
  too_many_requests: 'Too many requests from here. Wait a minute and try again.',
  job_not_offered: 'This offer is no longer open: it was answered, withdrawn or it expired. The list shows what is open now.',
  job_not_yours: 'This job is held by another node.',
  job_not_accepted: 'This job has not been accepted yet: accept the offer first.',
  job_closed: 'This job has ended or was cancelled: nothing more can be reported on it.',
  node_suspended: 'This node is suspended: it may decline offers but not take new ones. Ask the coordinator to reactivate it.',
  documents_required: 'This job delivers a design or a test report: add at least one document.',
  link_invalid: 'This link is not valid: it is incomplete or was changed.',
  link_expired: 'This link has expired.',
  link_used: 'This link has already been used to sign in.',
};

/** A problem in words: our sentence for its code, else the API's own detail. */
export function problemMessage(err: unknown): string {
  if (err instanceof ApiProblem) {
    if (err.code === 'validation_failed' && err.errors.length) return err.errors.map((e) => e.message).join(' ');
    return WORDS[err.code] ?? (err.detail || `Something went wrong (${err.status}).`);
  }
  if (err instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return 'Something went wrong. Try again in a minute.';
}
