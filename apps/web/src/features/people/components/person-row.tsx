import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { formatDateTime } from '@/lib/dates';
import { problemMessage } from '@/lib/problem';
import type { SchemaCoordinatorDto } from '@/lib/api/schema';
import { type Role } from '../api/people';
import { rowActions, type Viewer } from '../people-rules';

const STATUS_BADGE = { invited: 'badge-info', active: 'badge-ok', disabled: 'badge-warn' } as const;

interface Props {
  person: SchemaCoordinatorDto;
  viewer: Viewer;
  roles: Role[];
  onUpdate: (change: { id: string; role?: Role; status?: 'active' | 'disabled' }) => Promise<unknown>;
  onResend: (id: string) => Promise<unknown>;
}

/** One person on the people page: role and status, and what the viewer may change about them. */
export function PersonRow({ person, viewer, roles, onUpdate, onResend }: Props) {
  const can = rowActions(viewer, person);
  const [role, setRole] = useState<Role>(person.role);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const me = viewer.kind === 'coordinator' && viewer.id === person.id;

  async function act(what: () => Promise<unknown>, ok: string) {
    setBusy(true);
    setMessage(null);
    try {
      await what();
      setMessage({ kind: 'ok', text: ok });
    } catch (err) {
      setMessage({ kind: 'error', text: problemMessage(err) });
      setRole(person.role);
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr>
      <th scope="row">
        {person.name}
        {me ? ' (you)' : ''}
        <br />
        <span className="muted small">{person.email}</span>
      </th>
      <td data-label="Role">
        {can.changeRole ? (
          <span className="inline-form">
            <label className="sr-only" htmlFor={`role-${person.id}`}>
              Role of {person.name}
            </label>
            <select id={`role-${person.id}`} value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={busy}>
              {(roles.includes(person.role) ? roles : [person.role, ...roles]).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            {role !== person.role ? (
              <Button className="btn-small" busy={busy} onClick={() => void act(() => onUpdate({ id: person.id, role }), `${person.name} is now a ${role}.`)}>
                Save role
              </Button>
            ) : null}
          </span>
        ) : (
          person.role
        )}
      </td>
      <td data-label="Status">
        <span className={`badge ${STATUS_BADGE[person.status]}`}>{person.status}</span>
        {person.activatedAt ? <span className="muted small"> since {formatDateTime(person.activatedAt)}</span> : null}
      </td>
      <td data-label="Actions">
        <span className="actions-inline">
          {!can.disable && !can.enable && !can.resend ? <span className="muted small">{me ? 'another coordinator changes your account' : '—'}</span> : null}
          {can.disable ? (
            <Button variant="danger" className="btn-small" busy={busy} aria-label={`Disable ${person.name}`} onClick={() => void act(() => onUpdate({ id: person.id, status: 'disabled' }), `${person.name} is disabled: their sessions and tokens no longer work.`)}>
              Disable
            </Button>
          ) : null}
          {can.enable ? (
            <Button variant="secondary" className="btn-small" busy={busy} aria-label={`Enable ${person.name}`} onClick={() => void act(() => onUpdate({ id: person.id, status: 'active' }), `${person.name} is enabled again.`)}>
              Enable
            </Button>
          ) : null}
          {can.resend ? (
            <Button variant="secondary" className="btn-small" busy={busy} aria-label={`Send ${person.name} the invitation again`} onClick={() => void act(() => onResend(person.id), `A fresh invitation is on its way to ${person.email}.`)}>
              Resend invitation
            </Button>
          ) : null}
        </span>
        {message ? (
          <p className={message.kind === 'error' ? 'field-error' : 'muted small'} role={message.kind === 'error' ? 'alert' : 'status'}>
            {message.text}
          </p>
        ) : null}
      </td>
    </tr>
  );
}
