import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { grantedPercent, ownershipSlices } from '../asset-chart';
import { levelRows, levelSummary } from '../components/level-history';
import { ConsoleGate } from '../components/console-gate';
import { Pager, pageInfo } from '../components/pager';
import { backerState, RoundBackers } from '../components/round-backers';

const withQueries = (ui: React.ReactNode) => <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{ui}</QueryClientProvider>;

let requests: string[] = [];
let memberSession: unknown = null;
// The API client takes `fetch` when its module loads: a stand-in installed before the imports.
const fetchStub = vi.hoisted(() => {
  const stub = { answer: (_input: RequestInfo | URL): Promise<Response> => Promise.reject(new TypeError('no answer set')) };
  globalThis.fetch = (input: RequestInfo | URL) => stub.answer(input);
  return stub;
});
beforeEach(() => {
  requests = [];
  memberSession = null;
  fetchStub.answer = async (input: RequestInfo | URL) => {
    const req = input as Request;
    const url = new URL(req.url);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const json = (status: number, b: unknown) => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/session/coordinator') return json(200, { coordinator: null, expired: false, csrfToken: null, expiresAt: null });
    if (url.pathname === '/session') return memberSession ? json(200, memberSession) : json(401, { code: 'unauthorized', detail: 'no session' });
    if (url.pathname === '/admin/console/rounds/r-1/backers') {
      const offset = Number(url.searchParams.get('offset'));
      const items =
        offset === 0
          ? [
              { memberId: 'm1', name: 'Cleo Martin', amount: '100000', captured: '100000', returned: false, pledgedAt: '2030-01-02T00:00:00Z' },
              { memberId: 'm2', name: 'Dev Patel', amount: '5000', captured: '0', returned: true, pledgedAt: '2030-01-01T00:00:00Z' },
            ]
          : [{ memberId: 'm3', name: 'Eli Novak', amount: '2500', captured: '0', returned: false, pledgedAt: '2029-12-01T00:00:00Z' }];
      return json(200, { items, total: 11, limit: 10, offset, currency: 'EUR' });
    }
    return json(404, { code: 'not_found', detail: 'not here' });
  };
});

describe('the console’s reading pages', () => {
  it('pages: which of how many, and buttons only when there is more than one page', async () => {
    expect(pageInfo(0, 10, 0)).toEqual({ pages: 1, hasPrev: false, hasNext: false, first: 0, last: 0 });
    expect(pageInfo(0, 10, 25)).toMatchObject({ pages: 3, hasPrev: false, hasNext: true, first: 1, last: 10 });
    expect(pageInfo(2, 10, 25)).toMatchObject({ hasPrev: true, hasNext: false, first: 21, last: 25 });
    expect(pageInfo(1, 10, 20)).toMatchObject({ pages: 2, hasNext: false });
    const { container, rerender } = render(<Pager page={0} size={10} total={10} onPage={vi.fn()} label="p" />);
    expect(container).toBeEmptyDOMElement();
    const onPage = vi.fn();
    rerender(<Pager page={1} size={10} total={25} onPage={onPage} label="Owner pages" />);
    const nav = screen.getByRole('navigation', { name: 'Owner pages' });
    expect(nav).toHaveTextContent('11–20 of 25');
    await userEvent.click(within(nav).getByRole('button', { name: 'Next' }));
    await userEvent.click(within(nav).getByRole('button', { name: 'Previous' }));
    expect(onPage.mock.calls).toEqual([[2], [0]]);
  });

  it('the ownership chart: the largest owners, the others as one slice, and what nobody owns yet (integers throughout)', () => {
    const top = [
      { name: 'Ada', parts: '400000' },
      { name: 'Ben', parts: '300000' },
    ];
    expect(ownershipSlices(top, '900000', '1000000', 5)).toEqual([...top, { name: '3 other owners', parts: '200000' }, { name: 'Not owned yet', parts: '100000' }]);
    expect(ownershipSlices(top, '700000', '700000', 2)).toEqual(top);
    expect(ownershipSlices([{ name: 'Ada', parts: '1' }], '2', '2', 2)).toEqual([{ name: 'Ada', parts: '1' }, { name: '1 other owner', parts: '1' }]);
    // Parts beyond 2^53 stay exact.
    expect(ownershipSlices([{ name: 'Ada', parts: '9007199254740993' }], '9007199254740995', '9007199254740995', 2)[1].parts).toBe('2');
    expect([grantedPercent(120, 100), grantedPercent(100, 100), grantedPercent(0, 0), grantedPercent(10, null), grantedPercent(3, 1)]).toEqual([83, 100, 100, 0, 33]);
  });

  it('a round’s backers: nothing is read until opened; then names, amounts from minor units, a pledge’s state, and pages', async () => {
    expect([backerState({ amount: '1', captured: '0', returned: false }), backerState({ amount: '1', captured: '1', returned: false }), backerState({ amount: '1', captured: '0', returned: true })]).toEqual([null, 'collected', 'given back']);
    render(withQueries(<RoundBackers roundId="r-1" backers={11} projectName="Seed rack" />));
    const summary = screen.getByText('Backers (11)');
    expect(requests).toEqual([]);
    await userEvent.click(summary);
    const list = await screen.findByRole('list', { name: 'Backers of Seed rack' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows[0]).toHaveTextContent('Cleo Martin');
    expect(rows[0]).toHaveTextContent('collected');
    expect(rows[0]).toHaveTextContent('€1,000.00');
    expect(rows[1]).toHaveTextContent('Dev Patel given back');
    expect(rows[1]).toHaveTextContent('€50.00');
    expect(requests).toEqual(['GET /admin/console/rounds/r-1/backers?limit=10&offset=0']);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Eli Novak')).toBeInTheDocument();
    expect(requests.at(-1)).toBe('GET /admin/console/rounds/r-1/backers?limit=10&offset=10');
  });

  it('a member signed in to the member pages gets told the console is for coordinators, and sees none of it', async () => {
    memberSession = { member: { id: 'm1', name: 'Eli Novak', email: 'eli@example.org' }, csrfToken: 'x', expiresAt: '2030-01-01T00:00:00Z' };
    render(withQueries(<ConsoleGate verify={vi.fn()}>{<p>the network</p>}</ConsoleGate>));
    expect(await screen.findByRole('alert')).toHaveTextContent('You are signed in as Eli Novak, a member of the network');
    expect(screen.getByRole('alert')).toHaveTextContent('The console is for coordinators');
    expect(screen.queryByText('the network')).not.toBeInTheDocument();
  });

  it('nobody signed in: the door without the members’ warning', async () => {
    render(withQueries(<ConsoleGate verify={vi.fn()}>{<p>the network</p>}</ConsoleGate>));
    expect(await screen.findByRole('form', { name: 'Sign in to the console' })).toBeInTheDocument();
    expect(screen.queryByText('The console is for coordinators')).not.toBeInTheDocument();
  });
});

describe('the automation levels over time', () => {
  const point = (at: string, counts: number[]) => ({ at, levels: ['manual', 'conventional', 'computer-aided', 'automated'].map((level, i) => ({ level, count: counts[i] })) });

  it('one row a week, a column per level in words', () => {
    expect(levelRows([point('2030-01-07T00:00:00Z', [2, 1, 0, 0])])).toEqual([{ at: '2030-01-07T00:00:00Z', Manual: 2, Conventional: 1, 'Computer-aided': 0, Automated: 0 }]);
  });

  it('says how the network moved, from the first week with nodes to now', () => {
    expect(levelSummary([point('a', [0, 0, 0, 0]), point('b', [2, 1, 0, 0]), point('c', [1, 1, 0, 1])])).toBe(
      'Manual 2, Conventional 1, Computer-aided 0, Automated 0 then; now Manual 1, Conventional 1, Computer-aided 0, Automated 1',
    );
    expect(levelSummary([point('a', [0, 0, 0, 0]), point('b', [0, 0, 1, 0])])).toBe('Now: Manual 0, Conventional 0, Computer-aided 1, Automated 0');
    expect(levelSummary([point('a', [0, 0, 0, 0])])).toBe('No node yet');
  });
});
