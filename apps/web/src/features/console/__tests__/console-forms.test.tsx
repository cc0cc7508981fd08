import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { saveAdminToken } from '../admin-token';
import { ConsoleGate } from '../components/console-gate';
import { RoundActions, roundActions } from '../components/round-actions';

const withQueries = (ui: React.ReactNode) => <QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>;
const round = { roundId: 'r-1', projectName: 'Solar dryer', status: 'awaiting-payout', total: '250000', currency: 'EUR', payoutApproval: 'coordinator' as const };

afterEach(() => saveAdminToken(null));

describe('the console’s door and its round actions', () => {
  it('asks for the bootstrap token once, keeps it for the tab only when the API takes it', async () => {
    const verify = vi.fn().mockRejectedValueOnce(new ApiProblem(401, 'unauthorized', 'the coordinator token is not valid')).mockResolvedValueOnce({});
    render(withQueries(<ConsoleGate verify={verify}>{<p>the network</p>}</ConsoleGate>));
    expect(screen.getByText(/Bootstrap token, until coordinator accounts arrive/)).toBeInTheDocument();
    const field = screen.getByLabelText('Coordinator token (ADMIN_TOKEN)');
    expect(field).toHaveAttribute('type', 'password');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Paste the coordinator token.');
    expect(verify).not.toHaveBeenCalled();
    await userEvent.type(field, 'wrong-token');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This is not the coordinator token');
    expect(sessionStorage.getItem('dpn.console.bootstrapToken')).toBeNull();
    expect(screen.queryByText('the network')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Coordinator token (ADMIN_TOKEN)'), 'right-token');
    await userEvent.click(screen.getByRole('button', { name: 'Open the console' }));
    expect(await screen.findByText('the network')).toBeInTheDocument();
    expect(sessionStorage.getItem('dpn.console.bootstrapToken')).toBe('right-token');
    expect(localStorage.length).toBe(0);
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
