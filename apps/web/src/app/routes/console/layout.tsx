import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import { saveAdminToken } from '@/features/console/admin-token';
import { ConsoleGate } from '@/features/console/components/console-gate';
import { api, unwrap } from '@/lib/api-client';

/** `/console/*`: behind the coordinator token; one navigation for the console's pages. */
export function ConsoleLayout() {
  const qc = useQueryClient();
  return (
    <ConsoleGate verify={() => unwrap(api.GET('/admin/console/network', { params: { query: { limit: 1 } } }))}>
      <nav className="subnav console-nav" aria-label="Console">
        <NavLink to={paths.console()} end>
          Network
        </NavLink>
        <NavLink to={paths.consoleJobs()}>Job board</NavLink>
        <NavLink to={paths.consoleRounds()}>Funding rounds</NavLink>
        <NavLink to={paths.consoleLedger()}>Ledger</NavLink>
        <Button
          type="button"
          variant="secondary"
          className="btn-small"
          onClick={() => {
            saveAdminToken(null);
            qc.removeQueries({ queryKey: ['console'] });
          }}
        >
          Close the console
        </Button>
      </nav>
      <Outlet />
    </ConsoleGate>
  );
}
