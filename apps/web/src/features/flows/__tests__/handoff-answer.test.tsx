import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { HandoffAnswerForm } from '../components/handoff-answer-form';
import { checkHandoffAnswer, emptyAnswer, handoffRefusal } from '../handoff-rules';
import { ASSEMBLER, node } from './fixtures';

const h = { id: 'h-1', from: node(ASSEMBLER), quantitySent: 10 };

describe('a hand-off answer', () => {
  it('accepts all that was sent by default, or a whole number up to it', () => {
    expect(checkHandoffAnswer(emptyAnswer(), 10)).toEqual({ ok: true, body: { accepted: true } });
    expect(checkHandoffAnswer({ ...emptyAnswer(), quantityReceived: ' 9 ', note: ' one cracked ', photoUrl: 'https://p.example.org/1.jpg' }, 10)).toEqual({
      ok: true,
      body: { accepted: true, quantityReceived: 9, note: 'one cracked', photoUrl: 'https://p.example.org/1.jpg' },
    });
    expect(checkHandoffAnswer({ ...emptyAnswer(), quantityReceived: '0' }, 10)).toEqual({ ok: true, body: { accepted: true, quantityReceived: 0 } });
  });

  it('is refused before sending: more than was sent, not a number, a photo that is not a web address, a refusal without a reason', () => {
    expect(checkHandoffAnswer({ ...emptyAnswer(), quantityReceived: '11' }, 10)).toEqual({ ok: false, errors: { quantityReceived: 'At most 10: that is what was sent. Count again, or refuse the hand-off.' } });
    expect(checkHandoffAnswer({ ...emptyAnswer(), quantityReceived: '9.5' }, 10)).toEqual({ ok: false, errors: { quantityReceived: 'Enter a whole number from 0 to 10.' } });
    expect(checkHandoffAnswer({ ...emptyAnswer(), photoUrl: 'javascript:alert(1)' }, 10)).toMatchObject({ ok: false, errors: { photoUrl: expect.stringContaining('https://') } });
    expect(checkHandoffAnswer({ ...emptyAnswer(), decision: 'reject', reason: '  ' }, 10)).toMatchObject({ ok: false, errors: { reason: expect.stringContaining('Say why') } });
    // A refusal never sends a received quantity (the API refuses that).
    expect(checkHandoffAnswer({ ...emptyAnswer(), decision: 'reject', quantityReceived: '3', reason: 'warped' }, 10)).toEqual({ ok: true, body: { accepted: false, reason: 'warped' } });
  });

  it('says the API’s refusals in words, with their figures', () => {
    expect(handoffRefusal(new ApiProblem(422, 'more_than_sent', '12 received is more than the 10 sent', [], { quantitySent: '10', quantityReceived: '12' }))).toBe(
      'Only 10 were sent, not 12: enter at most what was sent. Nothing was recorded.',
    );
    expect(handoffRefusal(new ApiProblem(409, 'handoff_answered', 'x', [], { status: 'accepted', quantityReceived: '9' }))).toBe('This hand-off was already accepted (9 received): answers are final, and a different one is not taken.');
    expect(handoffRefusal(new ApiProblem(403, 'not_receiver', 'x'))).toContain('Only its receiver answers');
    expect(handoffRefusal(new ApiProblem(503, 'temporal_unavailable', 'x'))).toContain('Your answer is recorded');
  });
});

describe('the hand-off answer form', () => {
  it('confirms receipt of all that was sent, or of what is counted', async () => {
    const onAnswer = vi.fn().mockResolvedValue({});
    render(<HandoffAnswerForm handoff={h} unit="pcs" onAnswer={onAnswer} />);
    expect(screen.getByRole('form', { name: 'Answer the hand-off from Fab Lab B' })).toHaveTextContent('10 pcs sent by Fab Lab B');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm receipt' }));
    expect(onAnswer).toHaveBeenLastCalledWith({ accepted: true });
    await userEvent.type(screen.getByLabelText('How many arrived'), '12');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm receipt' }));
    expect(onAnswer).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('How many arrived')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('At most 10');
    await userEvent.clear(screen.getByLabelText('How many arrived'));
    await userEvent.type(screen.getByLabelText('How many arrived'), '8');
    await userEvent.type(screen.getByLabelText('Note (optional)'), 'two short');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm receipt' }));
    expect(onAnswer).toHaveBeenLastCalledWith({ accepted: true, quantityReceived: 8, note: 'two short' });
  });

  it('refuses only with a reason', async () => {
    const onAnswer = vi.fn().mockResolvedValue({});
    render(<HandoffAnswerForm handoff={h} unit="pcs" onAnswer={onAnswer} />);
    await userEvent.click(screen.getByRole('radio', { name: 'Refuse it' }));
    expect(screen.queryByLabelText('How many arrived')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Refuse the hand-off' }));
    expect(onAnswer).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('Say why you refuse it');
    await userEvent.type(screen.getByLabelText('Why do you refuse it?'), 'boards warped');
    await userEvent.click(screen.getByRole('button', { name: 'Refuse the hand-off' }));
    expect(onAnswer).toHaveBeenCalledWith({ accepted: false, reason: 'boards warped' });
  });

  it('shows the API’s refusal in words, and its field errors beside the fields', async () => {
    const onAnswer = vi
      .fn()
      .mockRejectedValueOnce(new ApiProblem(409, 'handoff_answered', 'hand-off h-1 was already rejected', [], { status: 'rejected' }))
      .mockRejectedValueOnce(new ApiProblem(400, 'validation_failed', 'bad', [{ field: 'photoUrl', code: 'isUrl', message: 'photoUrl must be a URL address' }]));
    render(<HandoffAnswerForm handoff={h} unit="pcs" onAnswer={onAnswer} />);
    await userEvent.click(screen.getByRole('button', { name: 'Confirm receipt' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This hand-off was already refused: answers are final');
    await userEvent.type(screen.getByLabelText('Photo address (optional)'), 'https://intranet/p.jpg');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm receipt' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('photoUrl must be a URL address');
    expect(screen.getByLabelText('Photo address (optional)')).toHaveAttribute('aria-invalid', 'true');
  });
});
