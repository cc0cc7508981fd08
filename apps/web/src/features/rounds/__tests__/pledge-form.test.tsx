import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { PledgeForm } from '../components/pledge-form';
import { checkPledge } from '../pledge-rules';

const ctx = { currency: 'EUR', minPledge: 5000n, available: 20000n, current: 10000n };

describe('the pledge form', () => {
  it('checks the amount before sending: minimum, balance, format, no change', () => {
    expect(checkPledge('150', ctx)).toEqual({ ok: true, amount: 15000n, change: 5000n });
    expect(checkPledge('0', ctx)).toEqual({ ok: true, amount: 0n, change: -10000n });
    expect(checkPledge('20', ctx)).toMatchObject({ ok: false, message: expect.stringContaining('minimum pledge is €50.00') });
    expect(checkPledge('300.01', ctx)).toMatchObject({ ok: false, message: expect.stringContaining('at most €300.00') });
    expect(checkPledge('300', ctx)).toMatchObject({ ok: true, amount: 30000n });
    expect(checkPledge('100', ctx)).toMatchObject({ ok: false, message: expect.stringContaining('already') });
    expect(checkPledge('', ctx)).toMatchObject({ ok: false, message: 'Enter an amount (0 withdraws your pledge).' });
    expect(checkPledge('ten', ctx)).toMatchObject({ ok: false });
  });

  it('sends minor units and says what happened', async () => {
    const onPledge = vi.fn().mockResolvedValue({});
    render(<PledgeForm {...ctx} onPledge={onPledge} />);
    const input = screen.getByLabelText('My pledge (EUR)');
    expect(input).toHaveValue('100.00');
    await userEvent.clear(input);
    await userEvent.type(input, '125.5');
    await userEvent.click(screen.getByRole('button', { name: 'Change my pledge' }));
    expect(onPledge).toHaveBeenCalledWith(12550n);
    expect(await screen.findByRole('status')).toHaveTextContent('Your pledge is now €125.50');
  });

  it('shows a refusal beside the field and sends nothing for a pledge below the minimum or above the balance', async () => {
    const onPledge = vi.fn();
    render(<PledgeForm {...ctx} current={0n} onPledge={onPledge} />);
    const input = screen.getByLabelText('My pledge (EUR)');
    await userEvent.type(input, '10');
    await userEvent.click(screen.getByRole('button', { name: 'Pledge' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The minimum pledge is €50.00');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    await userEvent.clear(input);
    await userEvent.type(input, '500');
    await userEvent.click(screen.getByRole('button', { name: 'Pledge' }));
    expect(screen.getByRole('alert')).toHaveTextContent('you can pledge at most €200.00');
    expect(onPledge).not.toHaveBeenCalled();
  });

  it('puts the API’s refusal into words on the form', async () => {
    const onPledge = vi.fn().mockRejectedValue(new ApiProblem(409, 'insufficient_funds', 'member account would go below zero'));
    render(<PledgeForm {...ctx} onPledge={onPledge} />);
    await userEvent.click(screen.getByRole('button', { name: 'Withdraw my pledge' }));
    expect(onPledge).toHaveBeenCalledWith(0n);
    expect(await screen.findByRole('alert')).toHaveTextContent('Your account does not hold enough for this pledge');
    const closed = vi.fn().mockRejectedValue(new ApiProblem(409, 'round_closed', 'closed'));
    render(<PledgeForm {...ctx} current={0n} onPledge={closed} />);
    await userEvent.type(screen.getAllByLabelText('My pledge (EUR)')[1], '60');
    await userEvent.click(screen.getByRole('button', { name: 'Pledge' }));
    expect(await screen.findByText(/The round has closed/)).toBeInTheDocument();
  });
});
