import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { OrderForm } from '../components/order-form';
import { orderLines, orderUsage, parseQuantity } from '../order-rules';

const catalogue = [
  { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, readyAt: '2027-03-01T00:00:00Z' },
  { id: 'salad', name: 'Salad', unit: 'box', capacityPerUnit: 1, readyAt: '2027-02-01T00:00:00Z' },
];
const props = { catalogue, capacity: 400, capacityUnit: 'm2', entitlement: 120, timeZone: 'Europe/Berlin', initial: null };

describe('the order form', () => {
  it('counts the capacity an order uses against the share', () => {
    expect(orderUsage({ tomatoes: '30', salad: '10' }, catalogue, 120, 400)).toMatchObject({ used: 70, overShare: 0, overCapacity: false });
    expect(orderUsage({ tomatoes: '70' }, catalogue, 120, 400)).toMatchObject({ used: 140, overShare: 20 });
    expect(orderUsage({ tomatoes: '250' }, catalogue, 120, 400)).toMatchObject({ overCapacity: true });
    expect(orderUsage({ tomatoes: '1.5' }, catalogue, 120, 400).errors).toEqual({ tomatoes: 'Enter a whole number from 0 to 1,000,000.' });
    expect(parseQuantity('')).toEqual({ ok: true, value: 0 });
    expect(orderLines({ tomatoes: '3', salad: '0' }, catalogue)).toEqual([{ productId: 'tomatoes', quantity: 3 }]);
  });

  it('shows live how much of my share the order uses, and warns beyond it', async () => {
    const onOrder = vi.fn().mockResolvedValue(undefined);
    render(<OrderForm {...props} onOrder={onOrder} />);
    await userEvent.type(screen.getByLabelText('Tomatoes (crate)'), '50');
    expect(screen.getByText(/This order uses/)).toHaveTextContent('This order uses 100 of your 120 m2.');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuemax', '120');
    expect(screen.queryByRole('alert')).toBeNull();
    await userEvent.type(screen.getByLabelText('Salad (box)'), '40');
    expect(screen.getByRole('alert')).toHaveTextContent('You ask for 20 m2 more than your share.');
    expect(screen.getByRole('alert')).toHaveTextContent('granted only from what other owners leave unused');
    await userEvent.click(screen.getByLabelText(/Standing order/));
    await userEvent.click(screen.getByRole('button', { name: 'Place my order' }));
    expect(onOrder).toHaveBeenCalledWith({ lines: [{ productId: 'tomatoes', quantity: 50 }, { productId: 'salad', quantity: 40 }], standing: true });
    expect(await screen.findByRole('status')).toHaveTextContent('Your order is placed');
  });

  it('refuses a quantity that is not a whole number, beside the field', async () => {
    const onOrder = vi.fn();
    render(<OrderForm {...props} onOrder={onOrder} />);
    await userEvent.type(screen.getByLabelText('Tomatoes (crate)'), '2.5');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a whole number');
    expect(screen.getByRole('button', { name: 'Place my order' })).toBeDisabled();
  });
});
