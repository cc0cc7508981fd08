import { useState } from 'react';

/** A console list's status filter and page: choosing another status goes back to the first page. */
export function useStatusPages<S extends string>() {
  const [status, setStatus] = useState<S | ''>('');
  const [page, setPage] = useState(0);
  return {
    /** The select's value ('' shows every status). */
    value: status,
    /** What the API is asked for (undefined: every status). */
    status: status || undefined,
    page,
    setPage,
    choose: (s: S | '') => {
      setStatus(s);
      setPage(0);
    },
  };
}

interface Props<S extends string> {
  value: S | '';
  onChange: (status: S | '') => void;
  /** The option that shows everything, e.g. "every round". */
  every: string;
  words: Record<S, string>;
  /** How many there are of each status, when the API says. */
  counts?: ReadonlyArray<{ status: string; count: number }>;
}

/** "Show [every …]": the status filter above a console list. */
export function StatusFilter<S extends string>({ value, onChange, every, words, counts }: Props<S>) {
  return (
    <div className="actions" style={{ marginTop: 0, marginBottom: '1rem' }}>
      <label>
        Show{' '}
        <select value={value} onChange={(e) => onChange(e.target.value as S | '')}>
          <option value="">{every}</option>
          {(Object.entries(words) as Array<[S, string]>).map(([k, w]) => {
            const count = counts?.find((c) => c.status === k)?.count;
            return (
              <option key={k} value={k}>
                {w.toLowerCase()}
                {count !== undefined ? ` (${count})` : ''}
              </option>
            );
          })}
        </select>
      </label>
    </div>
  );
}
