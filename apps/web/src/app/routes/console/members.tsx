import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card, Loading, Page } from '@/components/ui/page';
import { useConsoleMembers } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';
import { formatDate } from '@/lib/dates';

const PAGE = 25;

/** `/console/members`: the network's members by name, with the nodes they run and the assets they co-own. */
export function ConsoleMembersRoute() {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(0);
  const members = useConsoleMembers(q, page, PAGE);
  function search(e: FormEvent) {
    e.preventDefault();
    setQ(text.trim());
    setPage(0);
  }
  return (
    <Page title="Members" lead="People and businesses in the network: who runs nodes, who co-owns assets.">
      <form className="actions" style={{ marginTop: 0, marginBottom: '1rem' }} onSubmit={search} role="search">
        <label>
          Name or email <input type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={200} />
        </label>
        <Button type="submit" variant="secondary" className="btn-small">
          Find
        </Button>
      </form>
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <ConsoleProblem error={members.error} />
      ) : (
        <Card title={q ? `Members matching “${q}” (${members.data.total})` : `Members (${members.data.total})`}>
          {members.data.items.length ? (
            <div className="table-wrap">
              <table className="cards">
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col" className="num">
                      Nodes
                    </th>
                    <th scope="col" className="num">
                      Assets co-owned
                    </th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  {members.data.items.map((m) => (
                    <tr key={m.id}>
                      <th scope="row">
                        {m.name} {m.status !== 'active' ? <span className="badge badge-warn">{m.status}</span> : null}
                        <div className="small muted">{m.email}</div>
                      </th>
                      <td data-label="Nodes" className="num">
                        {m.nodes}
                      </td>
                      <td data-label="Assets co-owned" className="num">
                        {m.assets}
                      </td>
                      <td data-label="Since">{formatDate(m.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No member{q ? ' matches' : ' yet'}.</p>
          )}
          <Pager page={page} size={PAGE} total={members.data.total} onPage={setPage} label="Member pages" />
        </Card>
      )}
    </Page>
  );
}
