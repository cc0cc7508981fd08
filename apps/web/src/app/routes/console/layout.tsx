import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { Button } from '@/components/ui/button';
import { paths } from '@/config/paths';
import { saveAdminToken, useAdminToken } from '@/features/console/admin-token';
import { ConsoleGate } from '@/features/console/components/console-gate';
import { consoleSessionQuery, signOutConsole } from '@/features/people/api/console-session';
import { useWhoAmI } from '@/features/people/api/people';
import { api, unwrap } from '@/lib/api-client';

/** `/console/*`: behind a coordinator's sign-in (or the bootstrap token); one navigation for the console's pages. */
export function ConsoleLayout() {
  return (
    <ConsoleGate verify={() => unwrap(api.GET('/admin/coordinators/me'))}>
      <ConsoleNav />
      <Outlet />
    </ConsoleGate>
  );
}

function ConsoleNav() {
  const qc = useQueryClient();
  const token = useAdminToken();
  const me = useWhoAmI();
  const who = me.data?.coordinator ? `${me.data.coordinator.name} · ${me.data.coordinator.role}` : me.data?.kind === 'bootstrap' ? 'Bootstrap token' : null;
  async function leave() {
    if (token) saveAdminToken(null);
    else await signOutConsole().catch(() => undefined);
    qc.removeQueries({ queryKey: ['console'] });
    await qc.invalidateQueries({ queryKey: consoleSessionQuery.queryKey });
  }
  return (
    <nav className="subnav console-nav" aria-label="Console">
      <NavLink to={paths.console()} end>
        Network
      </NavLink>
      <NavLink to={paths.consoleProjects()}>Projects</NavLink>
      <NavLink to={paths.consoleJobs()}>Job board</NavLink>
      <NavLink to={paths.consoleRounds()}>Funding rounds</NavLink>
      <NavLink to={paths.consoleLedger()}>Ledger</NavLink>
      <NavLink to={paths.consoleAssets()}>Assets</NavLink>
      <NavLink to={paths.consoleMembers()}>Members</NavLink>
      <NavLink to={paths.consoleLocations()}>Locations</NavLink>
      <NavLink to={paths.consoleDecisions()}>Decisions</NavLink>
      <NavLink to={paths.consoleMail()}>Mail</NavLink>
      <NavLink to={paths.consoleWebhooks()}>Webhooks</NavLink>
      <NavLink to={paths.consolePeople()}>People</NavLink>
      <NavLink to={paths.consoleAudit()}>Audit</NavLink>
      {who ? <span className="console-who">{who}</span> : null}
      <Button type="button" variant="secondary" className="btn-small" onClick={() => void leave()}>
        {token ? 'Close the console' : 'Sign out'}
      </Button>
    </nav>
  );
}
