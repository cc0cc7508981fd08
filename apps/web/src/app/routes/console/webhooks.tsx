import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Card, Loading, Page } from '@/components/ui/page';
import { useNetwork } from '@/features/console/api/console';
import { useWebhookAttempts } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { formatDateTime } from '@/lib/dates';

const PAGE = 25;
const OUTCOME_WORDS: Record<string, string> = {
  delivered: 'Delivered',
  retry: 'Will retry',
  rejected: 'Refused by the node',
  gone: 'Gone (410): paused',
  blocked: 'Blocked address',
  skipped: 'Not sent: no longer current',
};

/** `/console/webhooks?node=<id>`: a node's webhook attempts: event, status code, time, duration, attempt number. */
export function ConsoleWebhooksRoute() {
  const [params, setParams] = useSearchParams();
  const network = useNetwork();
  const [page, setPage] = useState(0);
  const nodeId = params.get('node') ?? network.data?.nodes[0]?.id ?? null;
  const attempts = useWebhookAttempts(nodeId, page, PAGE);
  const node = network.data?.nodes.find((n) => n.id === nodeId);
  return (
    <Page title="Webhook attempts" lead="Every signed delivery to a node’s endpoint: what was sent, how the node answered and how long it took. Retries carry the same event.">
      {network.isPending ? (
        <Loading />
      ) : network.isError ? (
        <ConsoleProblem error={network.error} />
      ) : !network.data.nodes.length ? (
        <p className="muted">No node yet.</p>
      ) : (
        <>
          <div className="actions" style={{ marginTop: 0, marginBottom: '1rem' }}>
            <label>
              Node{' '}
              <select
                value={nodeId ?? ''}
                onChange={(e) => {
                  setParams({ node: e.target.value });
                  setPage(0);
                }}
              >
                {network.data.nodes.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name} ({n.ownerName})
                  </option>
                ))}
              </select>
            </label>
          </div>
          <Card title={node ? `${node.name}${node.webhookDisabled ? ' (webhooks paused)' : ''}` : 'Attempts'}>
            {attempts.isPending ? (
              <Loading />
            ) : attempts.isError ? (
              <ConsoleProblem error={attempts.error} />
            ) : attempts.data.items.length ? (
              <div className="table-wrap">
                <table className="cards">
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">Answer</th>
                      <th scope="col" className="num">
                        Took
                      </th>
                      <th scope="col">When</th>
                    </tr>
                  </thead>
                  <tbody>
                    {attempts.data.items.map((a, i) => (
                      <tr key={`${a.eventId}-${a.attempt}-${i}`}>
                        <th scope="row">
                          {a.eventType}{' '}
                          {a.attempt > 1 ? <span className="badge badge-warn">retry {a.attempt - 1}</span> : null}
                        </th>
                        <td data-label="Answer">
                          {a.statusCode !== null ? <code>HTTP {a.statusCode}</code> : <span className="muted">no answer</span>} · {OUTCOME_WORDS[a.outcome] ?? a.outcome}
                          {a.error ? <div className="small muted break">{a.error}</div> : null}
                        </td>
                        <td data-label="Took" className="num">
                          {a.latencyMs} ms
                        </td>
                        <td data-label="When">{formatDateTime(a.at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">Nothing sent to this node yet.</p>
            )}
            {attempts.data ? <Pager page={page} size={PAGE} total={attempts.data.total} onPage={setPage} label="Attempt pages" /> : null}
          </Card>
        </>
      )}
    </Page>
  );
}
