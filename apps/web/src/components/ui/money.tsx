import { formatMoney } from '@/lib/money';

export function Money({ minor, currency }: { minor: string | bigint | null | undefined; currency: string }) {
  return <span className="money">{formatMoney(minor, currency)}</span>;
}
