import { useQuery } from '@tanstack/react-query';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { LEVEL_WORDS } from '@/features/operator/components/node-frame';
import { api, unwrap } from '@/lib/api-client';
import { formatDate } from '@/lib/dates';
import { LEVEL_COLOURS } from './level-chart';

const WEEKS = 26;

export const useLevelHistory = () =>
  useQuery({ queryKey: ['console', 'levels', WEEKS], queryFn: () => unwrap(api.GET('/admin/console/network/levels', { params: { query: { weeks: WEEKS } } })), refetchInterval: 60_000 });

/** The chart's rows: one per week, a column per level (named as people say it). */
export function levelRows(points: Array<{ at: string; levels: Array<{ level: string; count: number }> }>): Array<Record<string, string | number>> {
  return points.map((p) => Object.fromEntries([['at', p.at], ...p.levels.map((l) => [LEVEL_WORDS[l.level] ?? l.level, l.count])]));
}

/** How the network moved along the upgrade path, in words: the first recorded week against now. */
export function levelSummary(points: Array<{ levels: Array<{ level: string; count: number }> }>): string {
  const words = (p: { levels: Array<{ level: string; count: number }> }) => p.levels.map((l) => `${LEVEL_WORDS[l.level] ?? l.level} ${l.count}`).join(', ');
  const first = points.find((p) => p.levels.some((l) => l.count > 0));
  const last = points.at(-1);
  if (!first || !last) return 'No node yet';
  return first === last ? `Now: ${words(last)}` : `${words(first)} then; now ${words(last)}`;
}

/** Nodes per automation level week by week (stacked areas, recharts; each week drawn up to the count at its end): the network along its upgrade path. */
export function LevelHistory() {
  const history = useLevelHistory();
  if (!history.data) return null;
  const { points, since } = history.data;
  const levels = points[0]?.levels.map((l) => LEVEL_WORDS[l.level] ?? l.level) ?? [];
  return (
    <figure style={{ margin: '1rem 0 0' }}>
      <div className="chart-small" role="img" aria-label={`Automation levels over the last ${WEEKS} weeks: ${levelSummary(points)}`}>
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart data={levelRows(points)} margin={{ left: 0, right: 16, top: 8, bottom: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="at" tickFormatter={(v: string) => formatDate(v)} fontSize={11} minTickGap={24} />
            <YAxis allowDecimals={false} fontSize={12} width={32} />
            <Tooltip labelFormatter={(v) => formatDate(String(v))} />
            <Legend />
            {levels.map((name, i) => (
              <Area key={name} type="stepBefore" dataKey={name} stackId="levels" stroke={LEVEL_COLOURS[i % LEVEL_COLOURS.length]} fill={LEVEL_COLOURS[i % LEVEL_COLOURS.length]} isAnimationActive={false} />
            ))}
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="small muted">Nodes per level, week by week{since ? ` (recorded since ${formatDate(since)})` : ''}.</figcaption>
    </figure>
  );
}
