/**
 * Contracts of the web app's sign-in: the email with a sign-in link is sent by a one-step
 * workflow, so that it is retried like every other email (and never by the API's request).
 *
 * Runs inside the workflow sandbox too: pure code only.
 */

export interface SignInMailInput {
  /** The sign-in request (a row of sign_in_requests): the mail's key, sent once. */
  requestId: string;
  memberId: string;
  /** The page of the web app the link opens, e.g. `/rounds/<id>`. */
  path: string;
}

export const SIGN_IN_MAIL_WORKFLOW_TYPE = 'signInMailWorkflow';

export function signInMailWorkflowId(requestId: string): string {
  return `sign-in-${requestId}`;
}
