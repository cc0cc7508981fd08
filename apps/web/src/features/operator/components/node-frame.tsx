import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { ProgressBar } from '@/components/ui/progress-bar';
import { paths } from '@/config/paths';
import type { SchemaOperatorNodeDto } from '@/lib/api/schema';
import { useNode } from '../api/operator';

export const LEVEL_WORDS: Record<string, string> = { manual: 'Manual', conventional: 'Conventional', 'computer-aided': 'Computer-aided', automated: 'Automated' };

/** The node's load against its work-in-progress limit, as a progress bar with its words. */
export function LoadBar({ load, wipLimit, name, compact }: { load: number; wipLimit: number; name: string; compact?: boolean }) {
  const full = load >= wipLimit;
  return (
    <div className={full ? 'progress-over' : undefined}>
      <ProgressBar label={`Work in progress at ${name}`} value={load} max={wipLimit} valueText={`${load} of ${wipLimit} jobs`} />
      <span className="small muted">
        {compact ? `${load} of ${wipLimit}${full ? ': full' : ''}` : `${load} of ${wipLimit} jobs in progress${full ? ': at the limit, no new offers until one is delivered' : ''}`}
      </span>
    </div>
  );
}

/** One of my nodes: its name, where it is, its load, and its pages (work; statement; endpoint and tokens). */
export function NodeFrame({ nodeId, children }: { nodeId: string; children: (node: SchemaOperatorNodeDto) => ReactNode }) {
  const node = useNode(nodeId);
  if (node.isPending) return <Loading />;
  if (node.isError) return <ProblemView error={node.error} />;
  const n = node.data;
  return (
    <Page
      title={n.name}
      lead={
        <>
          {LEVEL_WORDS[n.automationLevel] ?? n.automationLevel} · {n.capabilities.map((c) => `${c.function} (${c.capacity} ${c.unit})`).join(', ')}
          {n.locationName ? ` · ${n.locationName}` : ''}
          {n.status !== 'active' ? (
            <>
              {' '}
              · <span className="badge badge-warn">{n.status}: it may decline offers but not take new ones; ask the coordinator</span>
            </>
          ) : null}
        </>
      }
    >
      <nav className="subnav" aria-label="This node">
        <NavLink to={paths.node(n.id)} end>
          Offers and jobs
        </NavLink>
        <NavLink to={paths.nodeStatement(n.id)}>Statement</NavLink>
        <NavLink to={paths.nodeEndpoint(n.id)}>Webhook and tokens</NavLink>
        <NavLink to={paths.nodes()} end>
          All my nodes
        </NavLink>
      </nav>
      {children(n)}
    </Page>
  );
}
