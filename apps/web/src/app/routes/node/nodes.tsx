import { Link } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { paths } from '@/config/paths';
import { useMyNodes } from '@/features/operator/api/operator';
import { LEVEL_WORDS, LoadBar } from '@/features/operator/components/node-frame';
import { RequireMember } from '@/features/session/components/require-member';

/** `/node`: the nodes I own and run, each with its load and the offers waiting for it. */
export function NodesRoute() {
  return <RequireMember>{() => <MyNodes />}</RequireMember>;
}

function MyNodes() {
  const nodes = useMyNodes();
  if (nodes.isPending) return <Loading />;
  if (nodes.isError) return <ProblemView error={nodes.error} />;
  const items = nodes.data.items;
  return (
    <Page title="My nodes" lead="The workshops, machines and greenhouses you run: answer their offers, report their work, look after their webhook endpoint.">
      {items.length === 0 ? (
        <Alert kind="info">You run no node. The coordinator registers a node with you as its owner; it then shows here.</Alert>
      ) : (
        <div className="grid">
          {items.map((n) => (
            <Card key={n.id} title={<Link to={paths.node(n.id)}>{n.name}</Link>}>
              <p className="small muted">
                {LEVEL_WORDS[n.automationLevel] ?? n.automationLevel}
                {n.locationName ? ` · ${n.locationName}` : ''} · {n.capabilities.map((c) => c.function).join(', ')}
              </p>
              <LoadBar load={n.load} wipLimit={n.wipLimit} name={n.name} />
              <p>
                {n.openOffers ? (
                  <Link to={paths.node(n.id)}>
                    <strong>
                      {n.openOffers} offer{n.openOffers === 1 ? '' : 's'} waiting for your answer
                    </strong>
                  </Link>
                ) : (
                  <span className="muted">No offer waiting.</span>
                )}
              </p>
              {n.webhookDisabledAt ? <Alert kind="warning">Webhooks are paused: the endpoint answered 410 Gone. Check it and send a test ping.</Alert> : null}
              <p className="small">
                <Link to={paths.nodeEndpoint(n.id)}>Webhook and tokens</Link>
              </p>
            </Card>
          ))}
        </div>
      )}
    </Page>
  );
}
