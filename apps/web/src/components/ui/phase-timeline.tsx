import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate, formatDateTime } from '@/lib/dates';
import { useNow } from '@/lib/use-now';

export interface PhaseSpanView {
  phase: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
}

const NAMES: Record<string, string> = { rnd: 'Research & design', prototyping: 'Prototyping', 'node-buildout': 'Node build-out', upgrade: 'Upgrade' };
const COLOURS: Record<string, string> = { done: '#2f855a', skipped: '#a0aec0', current: '#1d4ed8', ahead: '#e2e8f0' };

export const phaseName = (p: string) => NAMES[p] ?? p;

/** The project's phases as bars in time (recharts range bars); the running one reaches today. */
export function PhaseTimeline({ phases }: { phases: PhaseSpanView[] }) {
  const now = useNow(60_000);
  const spans = phases.map((p) => {
    const start = p.startedAt ? Date.parse(p.startedAt) : null;
    const end = p.endedAt ? Date.parse(p.endedAt) : start !== null ? now : null;
    return { p, start, end };
  });
  const times = spans.flatMap((x) => (x.start !== null && x.end !== null ? [x.start, x.end] : []));
  const min = times.length ? Math.min(...times) : now - 86_400_000;
  const max = Math.max(now, ...times);
  // A phase that took seconds still shows as a sliver: at least 1 % of the whole span.
  const least = Math.max(1, (max - min) / 100);
  const data = spans.map(({ p, start, end }) => ({ name: phaseName(p.phase), state: p.state, range: start !== null && end !== null ? [start, Math.max(end, start + least)] : null }));
  return (
    <figure style={{ margin: 0 }}>
      <div className="chart-small" role="img" aria-label={phases.map((p) => `${phaseName(p.phase)}: ${p.state}`).join('; ')}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16, top: 8, bottom: 8 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" domain={[min, max]} scale="time" tickFormatter={(v: number) => (max - min < 2 * 86_400_000 ? formatDateTime(new Date(v)) : formatDate(new Date(v)))} tickCount={4} fontSize={12} />
            <YAxis type="category" dataKey="name" width={120} fontSize={12} />
            <Tooltip labelFormatter={(l) => String(l)} formatter={(v) => (Array.isArray(v) ? `${formatDate(new Date(Number(v[0])))} – ${formatDate(new Date(Number(v[1])))}` : String(v))} />
            <Bar dataKey="range" isAnimationActive={false} minPointSize={4}>
              {data.map((d) => (
                <Cell key={d.name} fill={COLOURS[d.state] ?? '#cbd2d9'} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="small muted">
        {phases.map((p, i) => (
          <span key={p.phase}>
            {i ? ' → ' : ''}
            {phaseName(p.phase)}: <strong>{p.state === 'current' ? 'now' : p.state}</strong>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
