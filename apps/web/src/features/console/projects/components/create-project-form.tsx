import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { TextAreaField } from '@/components/ui/text-area-field';
import type { CreateProjectBody } from '../api';
import { fieldErrors, projectProblemMessage } from '../project-words';

interface Props {
  onCreate: (body: CreateProjectBody) => Promise<{ id: string; name: string }>;
  onCreated: (project: { id: string; name: string }) => void;
}

/** A new project: its name, what it is for, and who passes its phase gates (the coordinator, or the members by vote). */
export function CreateProjectForm({ onCreate, onCreated }: Props) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [gate, setGate] = useState<'coordinator' | 'members'>('coordinator');
  const [voters, setVoters] = useState<'funders' | 'owners'>('funders');
  const [assetId, setAssetId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Give the project a name.';
    if (gate === 'members' && voters === 'owners' && !assetId.trim()) local['gate.assetId'] = 'Name the asset whose owners vote (its id).';
    setErrors(local);
    setError(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const body: CreateProjectBody = {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        gate: gate === 'coordinator' ? { mode: 'coordinator' } : { mode: 'members', voters, ...(voters === 'owners' ? { assetId: assetId.trim() } : {}) },
      };
      const created = await onCreate(body);
      setName('');
      setDescription('');
      onCreated(created);
    } catch (err) {
      const f = fieldErrors(err);
      setErrors(f);
      // Errors of fields this form does not show still need saying.
      const shown = ['name', 'description', 'gate.voters', 'gate.assetId'];
      if (!Object.keys(f).some((k) => shown.includes(k))) setError(projectProblemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Create a project">
      <Field label="Name" className="wide" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
      <TextAreaField label="What is it for? (optional)" maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} error={errors.description} />
      <fieldset>
        <legend>Who passes its phase gates</legend>
        <label className="radio">
          <input type="radio" name="gate" checked={gate === 'coordinator'} onChange={() => setGate('coordinator')} /> The coordinator advances it
        </label>
        <label className="radio">
          <input type="radio" name="gate" checked={gate === 'members'} onChange={() => setGate('members')} /> The members vote (a week, by majority)
        </label>
        {gate === 'members' ? (
          <div className="field">
            <label htmlFor="gate-voters">Who votes</label>
            <select id="gate-voters" value={voters} onChange={(e) => setVoters(e.target.value as 'funders' | 'owners')} aria-invalid={errors['gate.voters'] ? true : undefined}>
              <option value="funders">the members who funded the project</option>
              <option value="owners">the owners of an asset</option>
            </select>
            {errors['gate.voters'] ? (
              <p className="field-error" role="alert">
                {errors['gate.voters']}
              </p>
            ) : null}
          </div>
        ) : null}
        {gate === 'members' && voters === 'owners' ? <Field label="The asset (its id)" className="wide" value={assetId} onChange={(e) => setAssetId(e.target.value)} error={errors['gate.assetId']} /> : null}
      </fieldset>
      <Button type="submit" busy={busy}>
        Create the project
      </Button>
      {error ? (
        <Alert kind="error" title="Not created">
          {error}
        </Alert>
      ) : null}
    </form>
  );
}
