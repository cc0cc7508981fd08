import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { BidForm } from '../components/order-forms';

const assetId = '33333333-3333-4333-8333-333333333333';

describe('the bid form', () => {
  it('shows what it holds, the refusal in words, and sends a retry with the same Idempotency-Key', async () => {
    const onBid = vi
      .fn()
      .mockRejectedValueOnce(new ApiProblem(409, 'insufficient_funds', 'holding this needs 1800', [], { needed: '1800', available: '100', currency: 'EUR' }))
      .mockResolvedValueOnce({ bid: { remaining: '1', status: 'open' }, trades: [{ parts: '2', pricePerPart: '550', amount: '1100' }] });
    render(<BidForm assetId={assetId} currency="EUR" onBid={onBid} />);
    await userEvent.type(screen.getByLabelText('Parts'), '3');
    await userEvent.type(screen.getByLabelText('Price per part (EUR)'), '6');
    expect(screen.getByText(/will be held/)).toHaveTextContent('€18.00 will be held from your account while the bid is open');
    await userEvent.click(screen.getByRole('button', { name: 'Place my bid' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('this needs €18.00 and €1.00 is free');
    await userEvent.click(screen.getByRole('button', { name: 'Place my bid' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Your bid for 3 parts at €6.00 a part is placed. It bought 2 parts at €5.50 at once. €6.00 stays held for the part still wanted.');
    expect(onBid).toHaveBeenCalledTimes(2);
    const [first, second] = onBid.mock.calls.map((c) => c[0] as { key: string; body: { parts: bigint; pricePerPart: bigint; currency: string } });
    expect(first.key).toBe(second.key);
    expect(second.body).toMatchObject({ assetId, parts: 3n, pricePerPart: 600n, currency: 'EUR' });
  });

  it('refuses a part that is not whole beside the field, sending nothing', async () => {
    const onBid = vi.fn();
    render(<BidForm assetId={assetId} currency="EUR" onBid={onBid} />);
    await userEvent.type(screen.getByLabelText('Parts'), '1.5');
    await userEvent.type(screen.getByLabelText('Price per part (EUR)'), '6');
    await userEvent.click(screen.getByRole('button', { name: 'Place my bid' }));
    expect(await screen.findByText('Enter a whole number of parts, from 1.')).toBeInTheDocument();
    expect(onBid).not.toHaveBeenCalled();
  });
});
