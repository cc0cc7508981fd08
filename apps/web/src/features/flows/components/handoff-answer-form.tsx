import { useId, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { TextAreaField } from '@/components/ui/text-area-field';
import type { HandoffLike } from '../flow-types';
import { partyName } from '../flow-words';
import { answerFieldErrors, checkHandoffAnswer, emptyAnswer, handoffRefusal, MAX_TEXT, type HandoffAnswerBody, type HandoffAnswerErrors, type HandoffAnswerInput } from '../handoff-rules';

interface Props {
  handoff: Pick<HandoffLike, 'id' | 'from' | 'quantitySent'>;
  /** The unit of what was sent (from the lot), when known. */
  unit?: string;
  /** Sends the answer; throws the API's problem when refused. */
  onAnswer: (body: HandoffAnswerBody) => Promise<unknown>;
}

/**
 * The receiver's answer to a hand-off: accept (how many arrived, at most what was sent; a note and
 * a photo address), or refuse with a reason (the lot goes back to its maker for rework). The
 * form's own checks and the API's refusals show beside the fields, in words.
 */
export function HandoffAnswerForm({ handoff, unit = '', onAnswer }: Props) {
  const [input, setInput] = useState<HandoffAnswerInput>(emptyAnswer);
  const [errors, setErrors] = useState<HandoffAnswerErrors>({});
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = useId();
  const set = (k: keyof HandoffAnswerInput) => (e: { target: { value: string } }) => {
    setInput({ ...input, [k]: e.target.value });
    setErrors({ ...errors, [k]: undefined });
    setRefusal(null);
  };
  const accept = input.decision === 'accept';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const c = checkHandoffAnswer(input, handoff.quantitySent);
    if (!c.ok) return setErrors(c.errors);
    setBusy(true);
    try {
      await onAnswer(c.body);
      setErrors({});
      setRefusal(null);
    } catch (err) {
      const fields = answerFieldErrors(err);
      setErrors(fields);
      setRefusal(Object.keys(fields).length ? null : handoffRefusal(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={`Answer the hand-off from ${partyName(handoff.from)}`} className="handoff-form">
      <fieldset className="field">
        <legend>
          {handoff.quantitySent} {unit} sent by {partyName(handoff.from)}: what arrived?
        </legend>
        <label>
          <input type="radio" name={name} value="accept" checked={accept} onChange={set('decision')} /> Accept it
        </label>
        <label>
          <input type="radio" name={name} value="reject" checked={!accept} onChange={set('decision')} /> Refuse it
        </label>
      </fieldset>
      {accept ? (
        <Field
          label="How many arrived"
          inputMode="numeric"
          autoComplete="off"
          placeholder={String(handoff.quantitySent)}
          value={input.quantityReceived}
          onChange={set('quantityReceived')}
          error={errors.quantityReceived}
          suffix={unit || undefined}
          hint={`Leave empty if all ${handoff.quantitySent} arrived. Fewer: the maker makes up the rest.`}
        />
      ) : (
        <TextAreaField label="Why do you refuse it?" hint="The maker reads it and makes it again." maxLength={MAX_TEXT} value={input.reason} onChange={set('reason')} error={errors.reason} />
      )}
      <TextAreaField label="Note (optional)" rows={2} maxLength={MAX_TEXT} value={input.note} onChange={set('note')} error={errors.note} />
      <Field label="Photo address (optional)" type="url" inputMode="url" autoComplete="off" placeholder="https://…" value={input.photoUrl} onChange={set('photoUrl')} error={errors.photoUrl} />
      <div className="actions">
        <Button type="submit" variant={accept ? 'primary' : 'danger'} busy={busy}>
          {accept ? 'Confirm receipt' : 'Refuse the hand-off'}
        </Button>
      </div>
      {refusal ? <Alert kind="error">{refusal}</Alert> : null}
    </form>
  );
}
