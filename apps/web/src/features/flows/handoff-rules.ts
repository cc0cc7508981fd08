import { ApiProblem, problemMessage } from '@/lib/problem';
import { safeUrl } from './flow-words';

/** Answering a hand-off: what the form holds, what the API takes, and its refusals in words. */

export interface HandoffAnswerInput {
  decision: 'accept' | 'reject';
  /** Blank: all that was sent. */
  quantityReceived: string;
  note: string;
  photoUrl: string;
  reason: string;
}

export interface HandoffAnswerBody {
  accepted: boolean;
  quantityReceived?: number;
  note?: string;
  photoUrl?: string;
  reason?: string;
}

export type HandoffAnswerErrors = Partial<Record<'quantityReceived' | 'note' | 'photoUrl' | 'reason', string>>;

/** The API's limit on a note and a reason (HandoffAnswerDto). */
export const MAX_TEXT = 2000;

export const emptyAnswer = (): HandoffAnswerInput => ({ decision: 'accept', quantityReceived: '', note: '', photoUrl: '', reason: '' });

/** An answer checked before sending: the body, or the errors per field. */
export function checkHandoffAnswer(input: HandoffAnswerInput, quantitySent: number): { ok: true; body: HandoffAnswerBody } | { ok: false; errors: HandoffAnswerErrors } {
  const errors: HandoffAnswerErrors = {};
  const note = input.note.trim();
  const photo = input.photoUrl.trim();
  const reason = input.reason.trim();
  if (note.length > MAX_TEXT) errors.note = `At most ${MAX_TEXT} characters.`;
  if (photo && (!safeUrl(photo) || photo.length > MAX_TEXT)) errors.photoUrl = 'Enter the web address of the photo, starting with https:// (or leave it empty).';
  const body: HandoffAnswerBody = { accepted: input.decision === 'accept', ...(note ? { note } : {}), ...(photo ? { photoUrl: photo } : {}) };
  if (input.decision === 'accept') {
    const q = input.quantityReceived.trim();
    if (q) {
      if (!/^\d{1,9}$/.test(q)) errors.quantityReceived = `Enter a whole number from 0 to ${quantitySent}.`;
      else if (Number(q) > quantitySent) errors.quantityReceived = `At most ${quantitySent}: that is what was sent. Count again, or refuse the hand-off.`;
      else body.quantityReceived = Number(q);
    }
  } else if (!reason) errors.reason = 'Say why you refuse it: the maker reads it and makes it again.';
  else if (reason.length > MAX_TEXT) errors.reason = `At most ${MAX_TEXT} characters.`;
  else body.reason = reason;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, body };
}

/** A refused answer in words, from the API's problem document and its figures. */
export function handoffRefusal(err: unknown): string {
  if (!(err instanceof ApiProblem)) return problemMessage(err);
  const x = err.extras;
  switch (err.code) {
    case 'more_than_sent':
      return `Only ${x.quantitySent ?? 'fewer'} were sent${x.quantityReceived ? `, not ${x.quantityReceived}` : ''}: enter at most what was sent. Nothing was recorded.`;
    case 'handoff_answered':
      return `This hand-off was already ${x.status === 'rejected' ? 'refused' : x.status === 'accepted' ? `accepted${x.quantityReceived ? ` (${x.quantityReceived} received)` : ''}` : 'answered'}: answers are final, and a different one is not taken.`;
    case 'not_receiver':
      return 'Only its receiver answers a hand-off: you are not the receiver of this one.';
    case 'not_found':
      return 'This hand-off does not exist, or it is not yours to answer.';
    case 'flow_closed':
      return 'This flow has ended: its hand-offs are no longer answered.';
    case 'temporal_unavailable':
      // The answer is written before the flow is told: a repeat tells it again and changes nothing else.
      return 'Your answer is recorded, but the flow could not be told yet. Send the same answer again in a minute: it will not count twice.';
    default:
      return problemMessage(err);
  }
}

/** The API's field errors of an answer, per field of the form. */
export function answerFieldErrors(err: unknown): HandoffAnswerErrors {
  if (!(err instanceof ApiProblem)) return {};
  const out: HandoffAnswerErrors = {};
  for (const f of ['quantityReceived', 'note', 'photoUrl', 'reason'] as const) {
    const m = err.fieldError(f);
    if (m) out[f] = m;
  }
  return out;
}
