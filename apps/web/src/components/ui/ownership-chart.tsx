import { Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip } from 'recharts';

const COLOURS = ['#1d4ed8', '#2f855a', '#b7791f', '#9f7aea', '#dd6b20', '#319795', '#c53030', '#718096'];

/** Who owns which fraction, as a pie (recharts); "me" first and in the strongest colour. */
export function OwnershipChart({ owners, label }: { owners: Array<{ name: string; parts: string; isMe?: boolean }>; label: string }) {
  // Parts are integers; the chart only needs their proportions (drawing, not money).
  const data = owners.map((o) => ({ name: o.isMe ? `${o.name} (you)` : o.name, value: Number(o.parts) }));
  return (
    <figure className="chart-small" aria-label={label} style={{ margin: 0 }}>
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie data={data} dataKey="value" nameKey="name" innerRadius="45%" outerRadius="75%" isAnimationActive={false}>
            {data.map((d, i) => (
              <Cell key={d.name} fill={COLOURS[i % COLOURS.length]} />
            ))}
          </Pie>
          <Tooltip />
          <Legend />
        </PieChart>
      </ResponsiveContainer>
    </figure>
  );
}
