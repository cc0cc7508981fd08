import { useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useMatch, useNavigate } from 'react-router';
import { paths } from '@/config/paths';
import { useMyNodes } from '@/features/operator/api/operator';
import { signOut, useSession } from '@/features/session/api/session';
import { FragmentLinkGate } from '@/features/session/components/link-exchange';

export function Layout() {
  const session = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const member = session.data?.member;
  // The console has its own sign-in and navigation: the members' links would only confuse there.
  const inConsole = useMatch('/console/*') !== null;
  // Only members who own a node see the node pages' link.
  const nodes = useMyNodes(!!member);
  return (
    <>
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <NavLink className="brand" to={paths.home()}>
            DPN
          </NavLink>
          <nav className="nav" aria-label="Main">
            {inConsole ? <span className="topbar-context">Coordinator console</span> : <NavLink to={paths.projects()}>Projects</NavLink>}
            {inConsole ? null : member ? (
              <>
                <NavLink to={paths.me()} end>
                  Me
                </NavLink>
                <NavLink to={paths.holdings()}>Holdings</NavLink>
                <NavLink to={paths.account()}>Account</NavLink>
                <NavLink to={paths.market()}>Market</NavLink>
                {nodes.data?.items.length ? <NavLink to={paths.nodes()}>My nodes</NavLink> : null}
                <button
                  type="button"
                  onClick={() => {
                    void signOut()
                      .catch(() => undefined)
                      .then(() => {
                        qc.clear();
                        return navigate(paths.projects());
                      });
                  }}
                >
                  Sign out
                </button>
              </>
            ) : (
              <NavLink to={paths.signIn()}>Sign in</NavLink>
            )}
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <FragmentLinkGate>
          <Outlet />
        </FragmentLinkGate>
      </main>
      <footer className="site">Distributed Production Network: co-owned equipment, shared output.</footer>
    </>
  );
}
