import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Pager } from '../pager';
import { StatusFilter, useStatusPages } from '../status-filter';

type S = 'open' | 'closed';
const WORDS: Record<S, string> = { open: 'Open', closed: 'Closed' };

/** A list as the console routes use it: a status filter, a pager, and what the API would be asked. */
function List() {
  const f = useStatusPages<S>();
  return (
    <>
      <StatusFilter value={f.value} onChange={f.choose} every="every thing" words={WORDS} counts={[{ status: 'open', count: 3 }]} />
      <Pager page={f.page} size={10} total={45} onPage={f.setPage} label="Things" />
      <output>{`${f.status ?? 'all'}:${f.page}`}</output>
    </>
  );
}

describe('the console status filter', () => {
  it('offers every status with its count where known, asks for all by default, and goes back to the first page on a change', async () => {
    render(<List />);
    const select = screen.getByLabelText('Show');
    expect([...select.querySelectorAll('option')].map((o) => o.textContent)).toEqual(['every thing', 'open (3)', 'closed']);
    expect(screen.getByRole('status')).toHaveTextContent('all:0');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByRole('status')).toHaveTextContent('all:2');
    await userEvent.selectOptions(select, 'closed');
    expect(screen.getByRole('status')).toHaveTextContent('closed:0');
    await userEvent.selectOptions(select, '');
    expect(screen.getByRole('status')).toHaveTextContent('all:0');
  });
});
