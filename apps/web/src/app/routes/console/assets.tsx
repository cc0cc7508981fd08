import { useState } from 'react';
import { Link } from 'react-router';
import { Card, Loading, Page } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { useConsoleAssets } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';

const PAGE = 25;

/** `/console/assets`: every asset, its node, how many own it and where a portable one is. */
export function ConsoleAssetsRoute() {
  const [page, setPage] = useState(0);
  const assets = useConsoleAssets(page, PAGE);
  return (
    <Page title="Assets" lead="Equipment and facilities the network co-owns. Open one for its owners, its trail and its quarters.">
      {assets.isPending ? (
        <Loading />
      ) : assets.isError ? (
        <ConsoleProblem error={assets.error} />
      ) : (
        <Card title={`Assets (${assets.data.total})`}>
          {assets.data.items.length ? (
            <div className="table-wrap">
              <table className="cards">
                <thead>
                  <tr>
                    <th scope="col">Asset</th>
                    <th scope="col">Run by</th>
                    <th scope="col" className="num">
                      Owners
                    </th>
                    <th scope="col">Where</th>
                  </tr>
                </thead>
                <tbody>
                  {assets.data.items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">
                        <Link to={paths.consoleAsset(a.id)}>{a.name}</Link>
                        <div className="small muted">
                          {a.kind} · {a.identifier}
                          {a.producing ? ' · takes quarterly orders' : ''}
                        </div>
                      </th>
                      <td data-label="Run by">{a.nodeName ?? '—'}</td>
                      <td data-label="Owners" className="num">
                        {a.owners}
                      </td>
                      <td data-label="Where">{a.portable ? (a.lastPlace ?? 'not recorded') : 'fixed'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No asset yet.</p>
          )}
          <Pager page={page} size={PAGE} total={assets.data.total} onPage={setPage} label="Asset pages" />
        </Card>
      )}
    </Page>
  );
}
