import { Alert } from '@/components/ui/alert';
import { Card, Loading, Page } from '@/components/ui/page';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { useCoordinators, useCreateToken, useInvite, useMyTokens, useResendInvitation, useRevokeToken, useUpdateCoordinator, useWhoAmI } from '@/features/people/api/people';
import { InviteForm } from '@/features/people/components/invite-form';
import { MyTokens } from '@/features/people/components/my-tokens';
import { PersonRow } from '@/features/people/components/person-row';
import { grantableRoles, type Viewer } from '@/features/people/people-rules';

/** `/console/people`: who runs the network and with which role; invitations; my personal tokens. */
export function ConsolePeopleRoute() {
  const me = useWhoAmI();
  const people = useCoordinators();
  const invite = useInvite();
  const update = useUpdateCoordinator();
  const resend = useResendInvitation();
  const isPerson = me.data?.kind === 'coordinator';
  const tokens = useMyTokens(isPerson);
  const createToken = useCreateToken();
  const revokeToken = useRevokeToken();

  if (me.isPending || people.isPending) return <Loading />;
  if (me.isError) return <ConsoleProblem error={me.error} />;
  if (people.isError) return <ConsoleProblem error={people.error} />;
  const viewer: Viewer = me.data.coordinator ? { kind: 'coordinator', id: me.data.coordinator.id, role: me.data.coordinator.role } : { kind: 'bootstrap' };
  const roles = grantableRoles(viewer);

  return (
    <Page title="People" lead="Coordinators sign in by email, each with a role: a viewer sees everything and changes nothing; a coordinator runs the network; a treasurer also approves payouts and ledger postings.">
      {roles.length === 0 ? <Alert kind="info">You are a viewer: you can look at everything here, but not change it.</Alert> : null}
      <Card title={`Coordinators (${people.data.items.length})`}>
        {people.data.items.length ? (
          <div className="table-wrap">
            <table className="cards">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {people.data.items.map((p) => (
                  <PersonRow key={p.id} person={p} viewer={viewer} roles={roles} onUpdate={(c) => update.mutateAsync(c)} onResend={(id) => resend.mutateAsync(id)} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">Nobody yet: invite the first coordinator below.</p>
        )}
      </Card>
      {roles.length ? (
        <Card title="Invite a coordinator">
          <InviteForm roles={roles} onInvite={(body) => invite.mutateAsync(body)} />
        </Card>
      ) : null}
      <Card title="My personal tokens">
        {!isPerson ? (
          <p className="muted">Personal tokens belong to people: sign in as a coordinator to make one. The bootstrap token has none.</p>
        ) : tokens.isPending ? (
          <Loading />
        ) : tokens.isError ? (
          <ConsoleProblem error={tokens.error} />
        ) : (
          <MyTokens tokens={tokens.data.items} readOnly={roles.length === 0} onCreate={(name) => createToken.mutateAsync(name)} onRevoke={(id) => revokeToken.mutateAsync(id)} />
        )}
      </Card>
    </Page>
  );
}
