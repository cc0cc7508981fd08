import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { CounterForm, OfferActions, RejectForm } from '../components/offer-actions';
import { checkCounter, checkReject, counterDueAt } from '../operator-rules';

const job = { id: 'job-1', quantity: 12, unit: 'parts', dueAt: '2031-03-10T15:30:00.000Z', openOfferId: 'job-1:2' };
const NOW = Date.parse('2031-03-01T10:00:00.000Z');

describe('the offer forms', () => {
  it('a rejection needs a reason; a counter-offer names a future date and/or part of the quantity', () => {
    expect(checkReject('  ')).toMatchObject({ ok: false, errors: { reason: expect.stringContaining('Say why') } });
    expect(checkReject('x'.repeat(1001))).toMatchObject({ ok: false, errors: { reason: 'At most 1000 characters.' } });
    expect(checkReject(' Press under repair ')).toEqual({ ok: true, value: { reason: 'Press under repair' } });

    expect(checkCounter({ date: '', quantity: '', note: '' }, job, NOW)).toMatchObject({ ok: false, errors: { form: expect.stringContaining('Name a date') } });
    expect(checkCounter({ date: '2031-02-27', quantity: '', note: '' }, job, NOW)).toMatchObject({ ok: false, errors: { date: 'The date must be in the future.' } });
    expect(checkCounter({ date: '', quantity: '12', note: '' }, job, NOW)).toMatchObject({ ok: false, errors: { quantity: expect.stringContaining('from 1 to 11') } });
    expect(checkCounter({ date: '', quantity: '2.5', note: '' }, job, NOW)).toMatchObject({ ok: false, errors: { quantity: expect.any(String) } });
    expect(checkCounter({ date: '', quantity: '1', note: '' }, { ...job, quantity: 1 }, NOW)).toMatchObject({ ok: false, errors: { quantity: 'This job is one unit: it cannot be split.' } });
    const ok = checkCounter({ date: '2031-03-12', quantity: '8', note: ' the rest in April ' }, job, NOW);
    expect(ok).toEqual({ ok: true, value: { dueAt: counterDueAt('2031-03-12', job.dueAt), quantity: 8, note: 'the rest in April' } });
    // The counter-offered day keeps the job's due time of day (in the viewer's time zone).
    const due = new Date(job.dueAt);
    const countered = new Date(counterDueAt('2031-03-12', job.dueAt)!);
    expect([countered.getFullYear(), countered.getMonth(), countered.getDate(), countered.getHours(), countered.getMinutes()]).toEqual([2031, 2, 12, due.getHours(), due.getMinutes()]);
  });

  it('accepts with the offer it shows, and says in words when the offer has gone', async () => {
    const onAnswer = vi.fn().mockResolvedValueOnce({}).mockRejectedValueOnce(new ApiProblem(409, 'job_not_offered', 'offer job-1:2 is no longer open'));
    render(<OfferActions job={job} onAnswer={onAnswer} />);
    await userEvent.click(screen.getByRole('button', { name: 'Accept' }));
    expect(onAnswer).toHaveBeenCalledWith({ kind: 'accept', jobId: 'job-1', offerId: 'job-1:2' });
    await userEvent.click(screen.getByRole('button', { name: 'Accept' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This offer is no longer open');
    // The reject and counter forms open from their buttons (keyboard-reachable disclosures).
    const reject = screen.getByRole('button', { name: 'Reject…' });
    expect(reject).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(reject);
    expect(reject).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('form', { name: 'Reject the offer' })).toBeInTheDocument();
  });

  it('sends a rejection only with a reason, and shows the API’s field error beside the field', async () => {
    const onAnswer = vi.fn().mockRejectedValue(new ApiProblem(400, 'validation_failed', 'bad', [{ field: 'reason', code: 'maxLength', message: 'reason must be shorter than or equal to 1000 characters' }]));
    render(<RejectForm job={job} onAnswer={onAnswer} />);
    await userEvent.click(screen.getByRole('button', { name: 'Reject the offer' }));
    expect(onAnswer).not.toHaveBeenCalled();
    const reason = screen.getByLabelText('Why can’t you take it?');
    expect(reason).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Say why');
    await userEvent.type(reason, 'No capacity until March');
    await userEvent.click(screen.getByRole('button', { name: 'Reject the offer' }));
    expect(onAnswer).toHaveBeenCalledWith({ kind: 'reject', jobId: 'job-1', offerId: 'job-1:2', reason: 'No capacity until March' });
    expect(await screen.findByRole('alert')).toHaveTextContent('reason must be shorter than or equal to 1000 characters');
  });

  it('sends a counter-offer as a date and a quantity; the job’s refusal shows on the form', async () => {
    const onAnswer = vi.fn().mockRejectedValue(new ApiProblem(400, 'validation_failed', 'quantity must be a whole number from 1 to 11', [{ field: 'counter', code: 'invalid', message: 'quantity must be a whole number from 1 to 11' }]));
    render(<CounterForm job={job} onAnswer={onAnswer} />);
    await userEvent.click(screen.getByRole('button', { name: 'Send the counter-offer' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Name a date you can meet');
    await userEvent.type(screen.getByLabelText('How many you can make (of 12)'), '20');
    await userEvent.click(screen.getByRole('button', { name: 'Send the counter-offer' }));
    expect(screen.getByRole('alert')).toHaveTextContent('from 1 to 11');
    expect(onAnswer).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText('How many you can make (of 12)'));
    await userEvent.type(screen.getByLabelText('How many you can make (of 12)'), '8');
    await userEvent.type(screen.getByLabelText('A date you can meet'), '2099-04-02');
    await userEvent.click(screen.getByRole('button', { name: 'Send the counter-offer' }));
    expect(onAnswer).toHaveBeenCalledWith({ kind: 'counter', jobId: 'job-1', offerId: 'job-1:2', quantity: 8, dueAt: counterDueAt('2099-04-02', job.dueAt) });
    expect(await screen.findByRole('alert')).toHaveTextContent('quantity must be a whole number from 1 to 11');
  });

  it('a priced job with a ceiling takes a price in the counter-offer, in minor units, never above the ceiling; the API’s refusal shows on the price', async () => {
    const priced = { ...job, price: { amount: '48000', currency: 'EUR' }, priceCeiling: '52000' };
    expect(checkCounter({ date: '', quantity: '', note: '', price: '520.01' }, priced, NOW)).toMatchObject({ ok: false, errors: { price: expect.stringContaining('€520.00') } });
    expect(checkCounter({ date: '', quantity: '', note: '', price: '50,5' }, priced, NOW)).toEqual({ ok: true, value: { price: '5050' } });
    expect(checkCounter({ date: '', quantity: '', note: '', price: 'fifty' }, priced, NOW)).toMatchObject({ ok: false, errors: { price: expect.stringContaining('Enter an amount') } });
    // Not negotiable (no ceiling) or unpaid: no price is sent, and the form says so.
    expect(checkCounter({ date: '', quantity: '', note: '', price: '500' }, { ...priced, priceCeiling: null }, NOW)).toMatchObject({ ok: false, errors: { form: expect.stringContaining('or both') } });

    const onAnswer = vi.fn().mockRejectedValue(new ApiProblem(422, 'counter_above_ceiling', 'the price asked is above the ceiling', [{ field: 'price', code: 'counter_above_ceiling', message: 'the price asked (51000) is above this job’s ceiling' }]));
    render(<CounterForm job={priced} onAnswer={onAnswer} />);
    const field = screen.getByLabelText(/Your price \(the job pays €480\.00; at most €520\.00\)/);
    await userEvent.type(field, '510');
    await userEvent.click(screen.getByRole('button', { name: 'Send the counter-offer' }));
    expect(onAnswer).toHaveBeenCalledWith({ kind: 'counter', jobId: 'job-1', offerId: 'job-1:2', price: '51000' });
    expect(await screen.findByText(/above this job’s ceiling/)).toBeInTheDocument();
  });

  it('an unpaid job’s counter-offer has no price field', () => {
    render(<CounterForm job={job} onAnswer={vi.fn()} />);
    expect(screen.queryByLabelText(/Your price/)).toBeNull();
  });
});
