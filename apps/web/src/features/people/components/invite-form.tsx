import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { ROLE_WORDS, type Role } from '../api/people';

interface Props {
  roles: Role[];
  onInvite: (body: { name: string; email: string; role: Role }) => Promise<{ name: string; email: string }>;
}

/** Invite a coordinator: name, email, role; the API's field errors beside the fields. */
export function InviteForm({ roles, onInvite }: Props) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>(roles.includes('coordinator') ? 'coordinator' : roles[0]);
  const [errors, setErrors] = useState<{ name?: string; email?: string; role?: string; form?: string }>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = 'Say who you are inviting.';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) found.email = 'Enter an email address, like name@example.org.';
    setErrors(found);
    setDone(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const c = await onInvite({ name: name.trim(), email: email.trim(), role });
      setDone(`${c.name} is invited: a link that signs them in (once, for 7 days) is on its way to ${c.email}.`);
      setName('');
      setEmail('');
    } catch (err) {
      if (err instanceof ApiProblem && err.errors.length) setErrors({ name: err.fieldError('name'), email: err.fieldError('email'), role: err.fieldError('role') });
      else if (err instanceof ApiProblem && err.code === 'email_taken') setErrors({ email: 'Someone with this email is already a coordinator.' });
      else setErrors({ form: problemMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Invite a coordinator">
      <Field label="Name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
      <Field label="Email address" type="email" autoComplete="off" className="wide" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
      <div className={`field${errors.role ? ' field-invalid' : ''}`}>
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)} aria-invalid={errors.role ? true : undefined}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {ROLE_WORDS[r]}
            </option>
          ))}
        </select>
        {errors.role ? (
          <p className="field-error" role="alert">
            {errors.role}
          </p>
        ) : null}
      </div>
      <Button type="submit" busy={busy}>
        Send the invitation
      </Button>
      {errors.form ? <Alert kind="error">{errors.form}</Alert> : null}
      {done ? <Alert kind="success">{done}</Alert> : null}
    </form>
  );
}
