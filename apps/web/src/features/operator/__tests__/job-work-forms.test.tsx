import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { CompleteForm, ProgressForm } from '../components/job-work-forms';
import { checkCompletion, checkProgress } from '../operator-rules';

describe('progress and completion', () => {
  it('checks a completion: whole figures, the 10 × bound, complete document rows, documents for a design', () => {
    const job = { quantity: 12, documentsRequired: false };
    expect(checkCompletion({ made: '12', scrapped: '', documents: [{ title: '', url: '' }] }, job)).toEqual({ ok: true, value: { made: 12, scrapped: 0, documents: [] } });
    expect(checkCompletion({ made: '0', scrapped: '0', documents: [] }, job)).toMatchObject({ ok: false, errors: { made: expect.stringContaining('at least 1') } });
    expect(checkCompletion({ made: '100', scrapped: '21', documents: [] }, job)).toMatchObject({ ok: false, errors: { made: expect.stringContaining('at most 120') } });
    expect(checkCompletion({ made: '12', scrapped: '-1', documents: [] }, job)).toMatchObject({ ok: false, errors: { scrapped: expect.any(String) } });
    expect(checkCompletion({ made: '12', scrapped: '0', documents: [{ title: 'Report', url: 'ftp://x' }, { title: '', url: 'https://x.example/a.pdf' }] }, job)).toMatchObject({
      ok: false,
      errors: { 'documents.0.url': expect.any(String), 'documents.1.title': expect.any(String) },
    });
    expect(checkCompletion({ made: '1', scrapped: '0', documents: [{ title: '', url: '' }] }, { quantity: 1, documentsRequired: true })).toMatchObject({ ok: false, errors: { documents: expect.stringContaining('design or a test report') } });
    expect(checkProgress('101', '')).toMatchObject({ ok: false, errors: { percent: expect.any(String) } });
    expect(checkProgress(' 40 ', ' half ')).toEqual({ ok: true, value: { percent: 40, note: 'half' } });
  });

  it('reports progress as a whole percent', async () => {
    const onReport = vi.fn().mockResolvedValue({});
    render(<ProgressForm current={null} onReport={onReport} />);
    await userEvent.type(screen.getByLabelText('Progress'), 'half');
    await userEvent.click(screen.getByRole('button', { name: 'Report progress' }));
    expect(screen.getByRole('alert')).toHaveTextContent('whole percent');
    await userEvent.clear(screen.getByLabelText('Progress'));
    await userEvent.type(screen.getByLabelText('Progress'), '40');
    await userEvent.type(screen.getByLabelText('Note (optional)'), 'bent 5 of 12');
    await userEvent.click(screen.getByRole('button', { name: 'Report progress' }));
    expect(onReport).toHaveBeenCalledWith({ percent: 40, note: 'bent 5 of 12' });
    expect(await screen.findByRole('status')).toHaveTextContent('Progress reported: 40 %.');
  });

  it('completes with made, scrapped and a document; a design without one is stopped before sending', async () => {
    const onComplete = vi.fn().mockResolvedValue({});
    const { unmount } = render(<CompleteForm quantity={1} unit="design" documentsRequired deliverable="design" onComplete={onComplete} />);
    expect(screen.getByRole('group', { name: 'Documents (required)' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Report it done' }));
    expect(screen.getByRole('alert')).toHaveTextContent('add at least one document');
    expect(onComplete).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Document 1: title'), 'Rack, detail design rev B');
    await userEvent.type(screen.getByLabelText('Document 1: address'), 'https://designs.example.org/rack-b.zip');
    await userEvent.click(screen.getByRole('button', { name: 'Report it done' }));
    expect(onComplete).toHaveBeenCalledWith({ made: 1, scrapped: 0, documents: [{ title: 'Rack, detail design rev B', url: 'https://designs.example.org/rack-b.zip' }] });
    unmount();

    // The API's refusal (the run already completed with other figures) shows on the form in words.
    const refused = vi.fn().mockRejectedValue(new ApiProblem(409, 'job_closed', 'this run was already completed with made 12, scrapped 0'));
    render(<CompleteForm quantity={12} unit="parts" documentsRequired={false} deliverable={null} onComplete={refused} />);
    const form = screen.getByRole('form', { name: 'Report the job done' });
    expect(within(form).getByLabelText('Made')).toHaveValue('12');
    await userEvent.clear(within(form).getByLabelText('Scrapped'));
    await userEvent.type(within(form).getByLabelText('Scrapped'), '2');
    await userEvent.click(within(form).getByRole('button', { name: 'Report it done' }));
    expect(refused).toHaveBeenCalledWith({ made: 12, scrapped: 2, documents: [] });
    expect(await within(form).findByRole('alert')).toHaveTextContent('This job has ended or was cancelled');
  });
});
