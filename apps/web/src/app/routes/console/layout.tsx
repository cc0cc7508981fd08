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

/** The console's pages in four groups: the work, the money, who and where, and the records. */
const NAV: Array<{ label: string; links: Array<[string, string]> }> = [
  {
    label: 'Work',
    links: [
      [paths.console(), 'Network'],
      [paths.consoleProjects(), 'Projects'],
      [paths.consoleJobs(), 'Job board'],
      [paths.consoleRecipes(), 'Recipes'],
      [paths.consoleDecisions(), 'Decisions'],
    ],
  },
  {
    label: 'Money',
    links: [
      [paths.consoleRounds(), 'Funding rounds'],
      [paths.consoleLedger(), 'Ledger'],
      [paths.consoleAssets(), 'Assets'],
    ],
  },
  {
    label: 'Directory',
    links: [
      [paths.consoleMembers(), 'Members'],
      [paths.consoleLocations(), 'Locations'],
      [paths.consolePeople(), 'People'],
    ],
  },
  {
    label: 'Records',
    links: [
      [paths.consoleMail(), 'Mail'],
      [paths.consoleWebhooks(), 'Webhooks'],
      [paths.consoleAudit(), 'Audit'],
    ],
  },
];

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
      {NAV.map((group) => (
        <div key={group.label} className="console-nav-group" role="group" aria-label={group.label}>
          <span className="console-nav-label" aria-hidden="true">
            {group.label}
          </span>
          <span className="console-nav-links">
            {group.links.map(([to, words]) => (
              <NavLink key={to} to={to} end={to === paths.console()}>
                {words}
              </NavLink>
            ))}
          </span>
        </div>
      ))}
      <div className="console-me">
        {who ? <span className="console-who">{who}</span> : null}
        <Button type="button" variant="secondary" className="btn-small" onClick={() => void leave()}>
          {token ? 'Close the console' : 'Sign out'}
        </Button>
      </div>
    </nav>
  );
}
