import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Card, Loading } from '@/components/ui/page';
import { useAttempts, useIssueToken, usePing, useRevokeToken, useRotateSecret, useSetWebhook, useTokens } from '@/features/operator/api/operator';
import { NodeFrame } from '@/features/operator/components/node-frame';
import { RequireMember } from '@/features/session/components/require-member';
import type { SchemaOperatorNodeDto, SchemaPingResultDto } from '@/lib/api/schema';
import { formatDateTime } from '@/lib/dates';
import { ApiProblem, problemMessage } from '@/lib/problem';
import { useNow } from '@/lib/use-now';

/** `/node/:id/endpoint`: where webhooks go, a test ping, the attempts log, the secret, the API tokens. */
export function NodeEndpointRoute() {
  const { id = '' } = useParams();
  return (
    <RequireMember>
      {() => (
        <NodeFrame nodeId={id}>
          {(n) => (
            <>
              <Webhook node={n} />
              <Secret node={n} />
              <Tokens nodeId={n.id} />
              <Attempts nodeId={n.id} />
            </>
          )}
        </NodeFrame>
      )}
    </RequireMember>
  );
}

const OUTCOME_WORDS: Record<string, string> = {
  delivered: 'delivered',
  retry: 'failed, retried later',
  rejected: 'refused by the endpoint',
  gone: 'gone (410): paused',
  blocked: 'not sent: address not allowed',
  skipped: 'not sent: no longer current',
};

function pingWords(p: SchemaPingResultDto): { kind: 'success' | 'error'; text: string } {
  if (p.outcome === 'delivered') return { kind: 'success', text: `Your endpoint answered ${p.statusCode} in ${p.latencyMs} ms: it receives and verifies our webhooks.` };
  return { kind: 'error', text: `The ping was ${OUTCOME_WORDS[p.outcome] ?? p.outcome}${p.statusCode ? ` (HTTP ${p.statusCode})` : ''}${p.error ? `: ${p.error}` : ''}.` };
}

function Webhook({ node }: { node: SchemaOperatorNodeDto }) {
  const [url, setUrl] = useState(node.webhookUrl);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useSetWebhook(node.id);
  const ping = usePing(node.id);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (!/^https?:\/\/\S+$/.test(url.trim())) return setError('Enter the address of your endpoint (http:// or https://).');
    try {
      await save.mutateAsync(url.trim());
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiProblem ? (err.fieldError('webhookUrl') ?? problemMessage(err)) : problemMessage(err));
    }
  }

  const result = ping.data ? pingWords(ping.data) : null;
  return (
    <Card title="Webhook endpoint">
      {node.webhookDisabledAt ? (
        <Alert kind="warning" title="Webhooks are paused">
          Your endpoint answered 410 Gone on {formatDateTime(node.webhookDisabledAt)}{node.webhookDisabledReason ? ` (${node.webhookDisabledReason})` : ''}. Nothing is sent until a test ping succeeds or the address changes.
        </Alert>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Webhook endpoint">
        <Field
          label="Where we send signed webhooks"
          className="wide"
          type="url"
          autoComplete="off"
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
            setError(null);
            setSaved(false);
          }}
          error={error}
          hint="Offers, reminders and cancellations arrive here, signed with your secret (Standard Webhooks)."
        />
        <div className="actions">
          <Button type="submit" variant="secondary" busy={save.isPending} disabled={url.trim() === node.webhookUrl}>
            Save the address
          </Button>
          <Button type="button" busy={ping.isPending} onClick={() => ping.mutate()}>
            Send a test ping
          </Button>
        </div>
      </form>
      {saved ? <Alert kind="success">Saved: webhooks go to the new address.</Alert> : null}
      {result ? <Alert kind={result.kind}>{result.text}</Alert> : null}
      {ping.isError ? <Alert kind="error">{problemMessage(ping.error)}</Alert> : null}
    </Card>
  );
}

function Secret({ node }: { node: SchemaOperatorNodeDto }) {
  const now = useNow(60_000);
  const rotate = useRotateSecret(node.id);
  const [confirming, setConfirming] = useState(false);
  const secret = rotate.data?.webhookSecret;
  return (
    <Card title="Signing secret">
      <p className="small">
        Your endpoint checks every webhook with this secret. It is shown only once, when made.
        {node.previousSecretExpiresAt && Date.parse(node.previousSecretExpiresAt) > now ? ` The previous secret still signs alongside until ${formatDateTime(node.previousSecretExpiresAt)}.` : ''}
      </p>
      {secret ? (
        <Alert kind="success" title="Your new secret (shown this once: store it now)">
          <code className="secret" data-testid="new-secret">
            {secret}
          </code>
          <div className="small">The old secret keeps signing alongside for 24 hours, so your endpoint can switch over.</div>
        </Alert>
      ) : confirming ? (
        <div role="group" aria-label="Confirm the rotation">
          <p>Make a new secret? Webhooks are signed with both the new and the old one for 24 hours; then only the new one works.</p>
          <div className="actions">
            <Button type="button" busy={rotate.isPending} onClick={() => rotate.mutate()}>
              Yes, make a new secret
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      ) : (
        <Button type="button" variant="secondary" onClick={() => setConfirming(true)}>
          Rotate the secret…
        </Button>
      )}
      {rotate.isError ? <Alert kind="error">{problemMessage(rotate.error)}</Alert> : null}
    </Card>
  );
}

function Tokens({ nodeId }: { nodeId: string }) {
  const tokens = useTokens(nodeId);
  const issue = useIssueToken(nodeId);
  const revoke = useRevokeToken(nodeId);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Name the token after where it is used (e.g. “workshop server”).');
    try {
      await issue.mutateAsync(name.trim());
      setName('');
      setError(null);
    } catch (err) {
      setError(err instanceof ApiProblem ? (err.fieldError('name') ?? problemMessage(err)) : problemMessage(err));
    }
  }

  return (
    <Card title="API tokens">
      <p className="small">Your node’s software answers offers and reports work with a token (Authorization: Bearer dpn_node_…, at /nodes/me/…).</p>
      {issue.data ? (
        <Alert kind="success" title={`Token “${issue.data.name}” (shown this once: store it now)`}>
          <code className="secret" data-testid="new-token">
            {issue.data.token}
          </code>
        </Alert>
      ) : null}
      {tokens.isPending ? (
        <Loading />
      ) : tokens.isError ? (
        <Alert kind="error">{problemMessage(tokens.error)}</Alert>
      ) : tokens.data.items.length ? (
        <ul className="list">
          {tokens.data.items.map((t) => (
            <li key={t.id}>
              <span>
                <strong>{t.name}</strong> <span className="small muted">made {formatDateTime(t.createdAt)}</span>
              </span>
              <Button type="button" variant="danger" aria-label={`Revoke the token ${t.name}`} busy={revoke.isPending && revoke.variables === t.id} onClick={() => revoke.mutate(t.id)}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No token works now.</p>
      )}
      {revoke.isError ? <Alert kind="error">{problemMessage(revoke.error)}</Alert> : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="New token">
        <Field
          label="New token’s name"
          autoComplete="off"
          maxLength={100}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          error={error}
        />
        <Button type="submit" variant="secondary" busy={issue.isPending}>
          Make a token
        </Button>
      </form>
    </Card>
  );
}

const PAGE = 20;

function Attempts({ nodeId }: { nodeId: string }) {
  const [page, setPage] = useState(0);
  const attempts = useAttempts(nodeId, page, PAGE);
  return (
    <Card title="Delivery attempts">
      {attempts.isPending ? (
        <Loading />
      ) : attempts.isError ? (
        <Alert kind="error">{problemMessage(attempts.error)}</Alert>
      ) : attempts.data.items.length ? (
        <>
          <div className="table-wrap">
            <table className="cards">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" className="num">
                    HTTP
                  </th>
                  <th scope="col" className="num">
                    ms
                  </th>
                </tr>
              </thead>
              <tbody>
                {attempts.data.items.map((a) => (
                  <tr key={`${a.eventId}-${a.attempt}`}>
                    <td data-label="When">{formatDateTime(a.at)}</td>
                    <td data-label="Event">
                      {a.eventType}
                      {a.attempt > 1 ? <span className="small muted"> (attempt {a.attempt})</span> : null}
                    </td>
                    <td data-label="Outcome">
                      <span className={`badge ${a.outcome === 'delivered' ? 'badge-ok' : a.outcome === 'skipped' ? '' : 'badge-warn'}`}>{OUTCOME_WORDS[a.outcome] ?? a.outcome}</span>
                      {a.error ? <div className="small muted">{a.error}</div> : null}
                    </td>
                    <td className="num" data-label="HTTP">
                      {a.statusCode ?? '—'}
                    </td>
                    <td className="num" data-label="ms">
                      {a.latencyMs}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {attempts.data.total > PAGE ? (
            <nav className="pager" aria-label="Attempt pages">
              <Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
                Newer
              </Button>
              <span>
                Page {page + 1} of {Math.ceil(attempts.data.total / PAGE)}
              </span>
              <Button variant="secondary" disabled={(page + 1) * PAGE >= attempts.data.total} onClick={() => setPage(page + 1)}>
                Older
              </Button>
            </nav>
          ) : null}
        </>
      ) : (
        <p className="muted">Nothing was sent to this node yet. Send a test ping to try your endpoint.</p>
      )}
    </Card>
  );
}
