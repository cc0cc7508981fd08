import { formatDateTime, timeLeft } from '@/lib/dates';

export function Deadline({ at, timeZone }: { at: string; timeZone?: string }) {
  return (
    <span className="deadline">
      <time dateTime={at}>{formatDateTime(at, timeZone)}</time> <span className="muted">({timeLeft(at)})</span>
    </span>
  );
}
