import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { LEVEL_WORDS } from '@/features/operator/components/node-frame';

/** Along the upgrade path: manual → conventional → computer-aided → automated, greyer to bluer. */
export const LEVEL_COLOURS = ['#a0aec0', '#b7791f', '#319795', '#1d4ed8'];

/** Nodes per automation level (recharts), in the order of the upgrade path the network aims along. */
export function LevelChart({ levels }: { levels: Array<{ level: string; count: number }> }) {
  const data = levels.map((l) => ({ name: LEVEL_WORDS[l.level] ?? l.level, count: l.count }));
  return (
    <figure style={{ margin: 0 }}>
      <div className="chart-small" role="img" aria-label={`Nodes per automation level: ${data.map((d) => `${d.name} ${d.count}`).join(', ')}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ left: 0, right: 16, top: 8, bottom: 8 }}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} fontSize={12} />
            <YAxis type="category" dataKey="name" width={110} fontSize={12} interval={0} />
            <Tooltip />
            <Bar dataKey="count" name="Nodes" isAnimationActive={false}>
              {data.map((d, i) => (
                <Cell key={d.name} fill={LEVEL_COLOURS[i % LEVEL_COLOURS.length]} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="small muted">The upgrade path: {data.map((d) => `${d.name} ${d.count}`).join(' → ')}</figcaption>
    </figure>
  );
}
