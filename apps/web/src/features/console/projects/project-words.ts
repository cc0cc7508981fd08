import { ApiProblem, problemMessage } from '@/lib/problem';

/** Projects and phases in the console's words (the API's codes never reach the page raw). */

export const PHASE_STATE_WORDS: Record<string, string> = {
  'not-planned': 'No plan yet',
  planned: 'Planned, not started',
  running: 'Running',
  done: 'Work done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export const PROJECT_STATUS_WORDS: Record<string, string> = { active: 'Active', completed: 'Completed', cancelled: 'Cancelled' };

export const ROUND_STATUS_WORDS: Record<string, string> = {
  opening: 'opening',
  open: 'open for pledges',
  closing: 'closing',
  capturing: 'collecting pledges',
  'awaiting-payout': 'awaiting payout approval',
  'paying-out': 'paying out',
  funded: 'funded',
  releasing: 'giving pledges back',
  failed: 'not funded',
  cancelled: 'cancelled',
};

/** The refusals of the project and phase endpoints, said so a coordinator knows what to do next. */
const CODES: Record<string, string> = {
  forbidden_role: 'Your role does not allow this. Nothing was changed.',
  project_not_active: 'This project has ended (completed or cancelled): nothing more can change. Nothing was changed.',
  project_phase_mismatch: 'The project has moved on since this page was drawn: look at it again. Nothing was changed.',
  phase_running: 'The phase’s work is running: wait for it to end (or cancel the project). Nothing was changed.',
  phase_done: 'This phase’s work is done: its plan is final. Advance the project instead.',
  phase_passed: 'The project is past this phase: its plan can no longer change.',
  phase_not_planned: 'This phase has no plan yet: write the plan first, or skip the phase.',
  gate_vote_open: 'The members are voting on this gate: wait for their answer. Nothing was changed.',
  invalid_plan: 'The plan has problems: see the fields marked below. Nothing was saved.',
  over_budget: 'The plan’s priced tasks cost more than the budget and the project’s balance: lower the prices or raise the budget. Nothing was saved.',
  currency_mismatch: 'A task is priced in another currency than the phase pays in. Nothing was saved.',
  project_request_pending: 'Another change to this project is being applied: try again in a moment. Nothing was changed.',
  gate_no_voters: 'Nobody can vote on this gate (no funders or owners): change the gate, or ask the coordinator to pass it. Nothing was changed.',
  round_not_awaiting_payout: 'This round is not waiting for a payout approval any more: look at it again. Nothing was changed.',
  job_closed: 'This job has ended or was cancelled already. Nothing was changed.',
  idempotency_key_reused: 'This request was already sent with other values. Reload the page and try again.',
};

export function projectProblemMessage(err: unknown): string {
  if (err instanceof ApiProblem) {
    if (err.code === 'forbidden_role') return err.detail.includes('viewer') ? 'You are a viewer: you can look but not change anything. Nothing was changed.' : `Your role does not allow this (${err.detail}). Nothing was changed.`;
    if (CODES[err.code]) return CODES[err.code];
    if (err.status === 409 && err.detail) return `Refused: ${err.detail}. Nothing was changed.`;
  }
  return problemMessage(err);
}

/**
 * The API names fields `tasks.0.title` (validation) or `tasks[0].recipient.id` (plan checks): one
 * spelling for the form, the dotted one.
 */
export const normaliseField = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

/** The field errors of a problem, by dotted field name (the first message per field). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiProblem) for (const e of err.errors) out[normaliseField(e.field)] ??= e.message;
  return out;
}

/**
 * Who made a transition, in words: the API records `coordinator` (the bootstrap token),
 * `coordinator:<id>` (a person: named from the console's people), `members-vote:<decision>`.
 */
export function transitionActor(actor: string, coordinators: Map<string, string> = new Map()): string {
  const person = /^coordinator:(.+)$/.exec(actor);
  if (person) return coordinators.get(person[1]) ?? 'a coordinator';
  if (actor === 'coordinator') return 'the coordinator';
  if (actor.startsWith('members-vote:')) return 'the members’ vote';
  return actor.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '…');
}
