import { Button } from '@/components/ui/button';

/** Which page of how many, and whether there is one before or after (pages count from 0). */
export function pageInfo(page: number, size: number, total: number): { pages: number; hasPrev: boolean; hasNext: boolean; first: number; last: number } {
  const pages = Math.max(1, Math.ceil(total / size));
  return { pages, hasPrev: page > 0, hasNext: (page + 1) * size < total, first: total ? page * size + 1 : 0, last: Math.min(total, (page + 1) * size) };
}

/** Previous / next for a paged list; nothing when it fits on one page. */
export function Pager({ page, size, total, onPage, label }: { page: number; size: number; total: number; onPage: (n: number) => void; label: string }) {
  const p = pageInfo(page, size, total);
  if (p.pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Button variant="secondary" className="btn-small" disabled={!p.hasPrev} onClick={() => onPage(page - 1)}>
        Previous
      </Button>
      <span>
        {p.first}–{p.last} of {total}
      </span>
      <Button variant="secondary" className="btn-small" disabled={!p.hasNext} onClick={() => onPage(page + 1)}>
        Next
      </Button>
    </nav>
  );
}
