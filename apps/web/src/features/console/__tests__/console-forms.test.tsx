import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { saveAdminToken } from '../admin-token';
import { ConsoleGate, consoleLinkMessage } from '../components/console-gate';
import { RoundActions, roundActions } from '../components/round-actions';

const withQueries = (ui: React.ReactNode) => <QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>;
const round = { roundId: 'r-1', projectName: 'Solar dryer', status: 'awaiting-payout', total: '250000', currency: 'EUR', payoutApproval: 'coordinator' as const };

/** The API as these forms see it: nobody signed in to the console; a sign-in link asked for is accepted. */
let requests: Array<{ method: string; path: string; body: unknown }> = [];
// The API client takes `fetch` when its module loads: a stand-in installed before the imports, whose answers each test sets.
const fetchStub = vi.hoisted(() => {
  const stub = { answer: (_input: RequestInfo | URL): Promise<Response> => Promise.reject(new TypeError('no answer set')) };
  globalThis.fetch = (input: RequestInfo | URL) => stub.answer(input);
  return stub;
});
beforeEach(() => {
  requests = [];
  fetchStub.answer = async (input: RequestInfo | URL) => {
    const req = input as Request;
    const path = new URL(req.url).pathname;
    const body = req.method === 'GET' ? undefined : await req.clone().json().catch(() => undefined);
    requests.push({ method: req.method, path, body });
    const json = (status: number, b: unknown) => new Response(JSON.stringify(b), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/session/coordinator' && req.method === 'GET') return json(200, { coordinator: null, expired: false, csrfToken: null, expiresAt: null });
    if (path === '/session/coordinator/sign-in-links') return json(202, { message: 'If this email belongs to a coordinator, a sign-in link is on its way.' });
    return json(404, { code: 'not_found', detail: 'not here' });
  };
});
afterEach(() => {
  saveAdminToken(null);
});

describe('the console’s door and its round actions', () => {
  it('opens with the bootstrap token only when the API takes it, and keeps it for the tab only', async () => {
    const verify = vi.fn().mockRejectedValueOnce(new ApiProblem(401, 'unauthorized', 'the token is not valid')).mockResolvedValueOnce({});
    render(withQueries(<ConsoleGate verify={verify}>{<p>the network</p>}</ConsoleGate>));
    expect(await screen.findByRole('form', { name: 'Sign in to the console' })).toBeInTheDocument();
    await userEvent.click(screen.getByText('Operations: open with the bootstrap token'));
    const field = screen.getByLabelText('Bootstrap token (ADMIN_TOKEN)');
    expect(field).toHaveAttribute('type', 'password');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Paste the bootstrap token.');
    expect(verify).not.toHaveBeenCalled();
    await userEvent.type(field, 'wrong-token');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This is not the bootstrap token');
    expect(sessionStorage.getItem('dpn.console.bootstrapToken')).toBeNull();
    expect(screen.queryByText('the network')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Bootstrap token (ADMIN_TOKEN)'), 'right-token');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(await screen.findByText('the network')).toBeInTheDocument();
    expect(sessionStorage.getItem('dpn.console.bootstrapToken')).toBe('right-token');
    expect(localStorage.length).toBe(0);
  });

  it('asks for a sign-in link by email, checks the address first, and shows the API’s answer', async () => {
    render(withQueries(<ConsoleGate verify={vi.fn()}>{<p>the network</p>}</ConsoleGate>));
    const email = await screen.findByLabelText('Your email address');
    await userEvent.type(email, 'not-an-email');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your email address');
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
    await userEvent.clear(email);
    await userEvent.type(email, 'tereza@example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(await screen.findByRole('status')).toHaveTextContent('If this email belongs to a coordinator');
    expect(requests.find((r) => r.method === 'POST')).toMatchObject({ path: '/session/coordinator/sign-in-links', body: { email: 'tereza@example.org' } });
    expect(screen.queryByText('the network')).not.toBeInTheDocument();
  });

  it('puts a refused console link into words', () => {
    expect(consoleLinkMessage(new ApiProblem(410, 'link_expired', ''))).toContain('has expired');
    expect(consoleLinkMessage(new ApiProblem(409, 'link_used', ''))).toContain('already been used');
    expect(consoleLinkMessage(new ApiProblem(403, 'coordinator_disabled', ''))).toContain('disabled');
  });

  it('offers approval only for a round awaiting the coordinator, and cancelling only while it can be undone', () => {
    expect(roundActions({ status: 'awaiting-payout', payoutApproval: 'coordinator' })).toEqual({ approve: true, cancel: true });
    expect(roundActions({ status: 'awaiting-payout', payoutApproval: 'members' })).toEqual({ approve: false, cancel: true });
    expect(roundActions({ status: 'open', payoutApproval: 'coordinator' })).toEqual({ approve: false, cancel: true });
    expect(roundActions({ status: 'funded', payoutApproval: 'coordinator' })).toEqual({ approve: false, cancel: false });
  });

  it('approves a payout after saying how much goes where', async () => {
    const onApprove = vi.fn().mockResolvedValue({});
    render(<RoundActions round={round} onApprove={onApprove} onCancel={vi.fn()} />);
    await userEvent.click(screen.getByRole('button', { name: 'Approve the payout…' }));
    expect(screen.getByRole('group', { name: 'Approve the payout of Solar dryer' })).toHaveTextContent('Release €2,500.00 to the project “Solar dryer”');
    expect(onApprove).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Yes, pay out €2,500.00' }));
    expect(onApprove).toHaveBeenCalledWith('r-1');
    expect(await screen.findByRole('status')).toHaveTextContent('Payout of €2,500.00 to “Solar dryer” approved.');
  });

  it('cancels only with a reason, and puts the API’s refusal into words', async () => {
    const onCancel = vi.fn().mockRejectedValue(new ApiProblem(409, 'round_closed', 'round r-1 has closed: it can no longer be cancelled'));
    render(<RoundActions round={{ ...round, status: 'open' }} onApprove={vi.fn()} onCancel={onCancel} />);
    expect(screen.queryByRole('button', { name: 'Approve the payout…' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the round…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the round' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Say why');
    expect(screen.getByLabelText('Why cancel it?')).toHaveAttribute('aria-invalid', 'true');
    expect(onCancel).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Why cancel it?'), 'The site fell through');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel the round' }));
    expect(onCancel).toHaveBeenCalledWith({ roundId: 'r-1', reason: 'The site fell through' });
    expect(await screen.findByRole('alert')).toHaveTextContent('The round has closed');
  });
});
