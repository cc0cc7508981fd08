import { useMemo, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress-bar';
import { formatDate } from '@/lib/dates';
import { problemMessage } from '@/lib/problem';
import { orderLines, orderUsage, type Quantities } from '../order-rules';

export interface OrderFormProduct {
  id: string;
  name: string;
  unit: string;
  capacityPerUnit: number;
  readyAt: string;
}

interface Props {
  catalogue: OrderFormProduct[];
  capacity: number;
  capacityUnit: string;
  entitlement: number;
  timeZone: string;
  initial: { lines: Array<{ productId: string; quantity: number }>; standing: boolean } | null;
  onOrder: (o: { lines: Array<{ productId: string; quantity: number }>; standing: boolean }) => Promise<unknown>;
}

/** The order of a quarter: quantities per product, live use of my share, the standing-order switch. */
export function OrderForm({ catalogue, capacity, capacityUnit, entitlement, timeZone, initial, onOrder }: Props) {
  const [q, setQ] = useState<Quantities>(() => Object.fromEntries((initial?.lines ?? []).map((l) => [l.productId, String(l.quantity)])));
  const [standing, setStanding] = useState(initial?.standing ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const usage = useMemo(() => orderUsage(q, catalogue, entitlement, capacity), [q, catalogue, entitlement, capacity]);
  const invalid = Object.keys(usage.errors).length > 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (invalid) return;
    setBusy(true);
    setDone(false);
    try {
      await onOrder({ lines: orderLines(q, catalogue), standing });
      setError(null);
      setDone(true);
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="My order">
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col" className="num">
                Capacity per unit
              </th>
              <th scope="col">Ready</th>
              <th scope="col">I order</th>
            </tr>
          </thead>
          <tbody>
            {catalogue.map((p) => (
              <tr key={p.id}>
                <th scope="row">{p.name}</th>
                <td className="num">
                  {p.capacityPerUnit} {capacityUnit} / {p.unit}
                </td>
                <td>{formatDate(p.readyAt, timeZone)}</td>
                <td>
                  <label className="visually-hidden" htmlFor={`qty-${p.id}`}>
                    {`${p.name} (${p.unit})`}
                  </label>
                  <input
                    id={`qty-${p.id}`}
                    inputMode="numeric"
                    value={q[p.id] ?? ''}
                    aria-invalid={usage.errors[p.id] ? true : undefined}
                    aria-describedby={usage.errors[p.id] ? `qty-${p.id}-error` : undefined}
                    onChange={(e) => {
                      setQ({ ...q, [p.id]: e.target.value });
                      setDone(false);
                    }}
                  />{' '}
                  <span className="muted small">{p.unit}</span>
                  {usage.errors[p.id] ? (
                    <p id={`qty-${p.id}-error`} className="field-error" role="alert">
                      {usage.errors[p.id]}
                    </p>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className={usage.overShare > 0 ? 'progress-over' : undefined}>
        <p className="usage" aria-live="polite">
          This order uses <strong>{usage.used}</strong> of your <strong>{usage.entitlement}</strong> {capacityUnit}.
        </p>
        <ProgressBar label="Share of the capacity this order uses" value={Math.min(usage.used, usage.entitlement)} max={Math.max(usage.entitlement, 1)} valueText={`${usage.used} of ${usage.entitlement} ${capacityUnit}`} />
      </div>
      {usage.overShare > 0 ? (
        <Alert kind="warning" title={`You ask for ${usage.overShare} ${capacityUnit} more than your share.`}>
          The extra is granted only from what other owners leave unused, shared by ownership among those who ask for more.
          {usage.overCapacity ? ` The whole asset makes ${capacity} ${capacityUnit} a quarter.` : ''}
        </Alert>
      ) : null}
      <label className="check">
        <input type="checkbox" checked={standing} onChange={(e) => setStanding(e.target.checked)} />
        <span>
          Standing order: keep this order for later quarters when I do not order again
        </span>
      </label>
      <div className="actions">
        <Button type="submit" busy={busy} disabled={invalid}>
          {initial ? 'Change my order' : 'Place my order'}
        </Button>
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {done ? <Alert kind="success">Your order is placed. You can change it until the window closes; the last one counts.</Alert> : null}
    </form>
  );
}
