import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Card, Loading, Page } from '@/components/ui/page';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { type AuditFilters, useAudit, useCoordinators } from '@/features/people/api/people';
import { actorWords, localToIso, outcomeWords } from '@/features/people/audit-words';
import { formatDateTime } from '@/lib/dates';

const FILTER_KEYS = ['actor', 'route', 'resource', 'outcome', 'from', 'to'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** `/console/audit`: every state-changing request, newest first: who, what, on which resource, and what came of it. Filters live in the address, so a view can be shared. */
export function ConsoleAuditRoute() {
  const [params, setParams] = useSearchParams();
  const current = Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? ''])) as Record<FilterKey, string>;
  const [draft, setDraft] = useState(current);
  const people = useCoordinators();
  const filters: AuditFilters = {
    actor: current.actor || undefined,
    route: current.route || undefined,
    resource: current.resource || undefined,
    outcome: (current.outcome || undefined) as AuditFilters['outcome'],
    from: localToIso(current.from),
    to: localToIso(current.to),
  };
  const audit = useAudit(filters);

  function apply(e: FormEvent) {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '')));
  }
  function filterBy(change: Partial<Record<FilterKey, string>>) {
    const next = { ...current, ...change };
    setDraft(next);
    setParams(Object.fromEntries(Object.entries(next).filter(([, v]) => v !== '')));
  }
  const set = (k: FilterKey) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page title="Audit trail" lead="Every request that changed something or tried to, newest first: who, what, on which resource, and what came of it.">
      <Card title="Filters">
        <form onSubmit={apply} noValidate aria-label="Filter the audit trail" className="filters">
          <div className="field">
            <label htmlFor="audit-actor">Who</label>
            <select id="audit-actor" value={draft.actor} onChange={set('actor')}>
              <option value="">anyone</option>
              <option value="bootstrap">the bootstrap token</option>
              <option value="coordinator">any coordinator</option>
              {(people.data?.items ?? []).map((p) => (
                <option key={p.id} value={`coordinator:${p.id}`}>
                  {p.name} ({p.role})
                </option>
              ))}
              <option value="member">any member</option>
              <option value="node">any node</option>
              <option value="anonymous">not signed in</option>
              {draft.actor && !/^(bootstrap|coordinator|member|node|anonymous)$/.test(draft.actor) && !people.data?.items.some((p) => `coordinator:${p.id}` === draft.actor) ? <option value={draft.actor}>{draft.actor}</option> : null}
            </select>
          </div>
          <Field label="Route starts with" placeholder="/admin/rounds" value={draft.route} onChange={set('route')} />
          <Field label="Resource id" placeholder="a round’s, a project’s… id" value={draft.resource} onChange={set('resource')} />
          <div className="field">
            <label htmlFor="audit-outcome">Outcome</label>
            <select id="audit-outcome" value={draft.outcome} onChange={set('outcome')}>
              <option value="">any</option>
              <option value="ok">done</option>
              <option value="refused">refused</option>
            </select>
          </div>
          <Field label="From" type="datetime-local" value={draft.from} onChange={set('from')} />
          <Field label="Until" type="datetime-local" value={draft.to} onChange={set('to')} />
          <div className="actions">
            <Button type="submit">Show</Button>
            <Button
              type="button"
              variant="secondary"
              onClick={() => {
                setDraft({ actor: '', route: '', resource: '', outcome: '', from: '', to: '' });
                setParams({});
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </Card>
      <Card title="Requests">
        {audit.isPending ? (
          <Loading />
        ) : audit.isError ? (
          <ConsoleProblem error={audit.error} />
        ) : items.length ? (
          <>
            <div className="table-wrap">
              <table className="cards audit-table">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => {
                    const actor = actorWords(e.actor);
                    const outcome = outcomeWords(e);
                    return (
                      <tr key={e.id}>
                        <th scope="row">
                          <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                        </th>
                        <td data-label="Who">
                          {e.actor.type === 'coordinator' && e.actor.id ? (
                            <button type="button" className="link-button" onClick={() => filterBy({ actor: `coordinator:${e.actor.id}` })} aria-label={`Only what ${actor.who} did`}>
                              {actor.who}
                            </button>
                          ) : (
                            actor.who
                          )}
                          <br />
                          <span className="muted small">{actor.what}</span>
                        </td>
                        <td data-label="What">
                          <code>
                            {e.method} {e.route}
                          </code>
                          {Object.entries(e.params).map(([k, v]) => (
                            <span key={k} className="small">
                              {' '}
                              {k}:{' '}
                              <button type="button" className="link-button" onClick={() => filterBy({ resource: v })} aria-label={`Everything on ${k} ${v}`}>
                                {v.length > 13 ? `${v.slice(0, 8)}…` : v}
                              </button>
                            </span>
                          ))}
                        </td>
                        <td data-label="Outcome">
                          <span className={`badge ${outcome.ok ? 'badge-ok' : 'badge-warn'}`}>{outcome.text}</span>
                          {e.requestId ? (
                            <>
                              <br />
                              <span className="muted small" title="The request id (x-request-id): find its log lines">
                                request {e.requestId}
                              </span>
                            </>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {audit.hasNextPage ? (
              <nav className="pager" aria-label="Older requests">
                <Button variant="secondary" busy={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
                  Show older requests
                </Button>
              </nav>
            ) : null}
          </>
        ) : (
          <p className="muted">Nothing matches these filters.</p>
        )}
      </Card>
    </Page>
  );
}
