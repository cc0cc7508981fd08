import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { formatDateTime } from '@/lib/dates';
import { ApiProblem, problemMessage } from '@/lib/problem';
import type { SchemaPersonalTokenDto } from '@/lib/api/schema';

interface Props {
  tokens: SchemaPersonalTokenDto[];
  readOnly: boolean;
  onCreate: (name: string) => Promise<{ token: string; name: string }>;
  onRevoke: (id: string) => Promise<unknown>;
}

/** My personal API tokens: create one (shown once), see when each was last used, revoke. */
export function MyTokens({ tokens, readOnly, onCreate, onRevoke }: Props) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Name the token after what will use it, e.g. “reporting script”.');
    setBusy('create');
    try {
      setCreated(await onCreate(name.trim()));
      setName('');
      setError(null);
    } catch (err) {
      setError(err instanceof ApiProblem ? (err.fieldError('name') ?? problemMessage(err)) : problemMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function revoke(id: string) {
    setBusy(id);
    try {
      await onRevoke(id);
      setError(null);
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <p className="muted">
        A personal token acts as you, with your role, on the admin API: send it as <code>Authorization: Bearer dpn_crd_…</code>. It is shown once; we keep only its hash.
      </p>
      {readOnly ? null : (
        <form onSubmit={(e) => void create(e)} noValidate aria-label="Create a personal token">
          <Field label="What is it for?" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} error={error} />
          <Button type="submit" busy={busy === 'create'}>
            Create a token
          </Button>
        </form>
      )}
      {created ? (
        <Alert kind="success" title={`Your token “${created.name}”: copy it now, it is not shown again`}>
          <code className="secret" aria-label="The new token">
            {created.token}
          </code>
        </Alert>
      ) : null}
      {tokens.length ? (
        <div className="table-wrap">
          <table className="cards">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.name}</th>
                  <td data-label="Created">{formatDateTime(t.createdAt)}</td>
                  <td data-label="Last used">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'never'}</td>
                  <td data-label="State">
                    {t.revokedAt ? (
                      <span className="muted">revoked {formatDateTime(t.revokedAt)}</span>
                    ) : readOnly ? (
                      'live'
                    ) : (
                      <Button variant="danger" className="btn-small" busy={busy === t.id} aria-label={`Revoke the token ${t.name}`} onClick={() => void revoke(t.id)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No personal tokens yet.</p>
      )}
    </>
  );
}
