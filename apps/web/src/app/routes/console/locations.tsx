import { useState } from 'react';
import { Card, Loading, Page } from '@/components/ui/page';
import { useConsoleLocations } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { Pager } from '@/features/console/components/pager';

const PAGE = 25;
const KIND_WORDS: Record<string, string> = {
  'industrial-park': 'Industrial park',
  'office-building': 'Office building',
  'data-centre': 'Data centre',
  'home-workshop': 'Home workshop',
  'fab-lab': 'Fab lab',
  farm: 'Farm',
  warehouse: 'Warehouse',
  other: 'Other',
};

/** `/console/locations`: the places that hold nodes, with their nodes. */
export function ConsoleLocationsRoute() {
  const [page, setPage] = useState(0);
  const locations = useConsoleLocations(page, PAGE);
  return (
    <Page title="Locations" lead="Industrial parks, office buildings, fab labs… and the nodes each one holds.">
      {locations.isPending ? (
        <Loading />
      ) : locations.isError ? (
        <ConsoleProblem error={locations.error} />
      ) : (
        <Card title={`Locations (${locations.data.total})`}>
          {locations.data.items.length ? (
            <div className="table-wrap">
              <table className="cards">
                <thead>
                  <tr>
                    <th scope="col">Location</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Nodes</th>
                  </tr>
                </thead>
                <tbody>
                  {locations.data.items.map((l) => (
                    <tr key={l.id}>
                      <th scope="row">
                        {l.name}
                        <div className="small muted">{l.address}</div>
                      </th>
                      <td data-label="Kind">{KIND_WORDS[l.kind] ?? l.kind}</td>
                      <td data-label="Nodes">
                        {l.nodes ? `${l.nodes}: ${l.nodeNames.join(', ')}${l.nodes > l.nodeNames.length ? ', …' : ''}` : 'none yet'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No location yet.</p>
          )}
          <Pager page={page} size={PAGE} total={locations.data.total} onPage={setPage} label="Location pages" />
        </Card>
      )}
    </Page>
  );
}
