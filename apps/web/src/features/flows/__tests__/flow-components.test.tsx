import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { FlowDiagram } from '../components/flow-diagram';
import { LotTraceList } from '../components/lot-trace-list';
import { CARRIER, shelfFlow, shelfTrace } from './fixtures';

const NOW = Date.parse('2031-03-03T12:00:00.000Z');

describe('the flow diagram', () => {
  it('is an image with a title and a description that say every step, edge and the recipient in words', () => {
    render(<FlowDiagram flow={shelfFlow()} recipient="Mia" now={NOW} />);
    const img = screen.getByRole('img', { name: 'The flow of Shelf: 3 steps to the recipient' });
    const desc = img.getAttribute('aria-describedby')!;
    const text = document.getElementById(desc)!.textContent!;
    expect(text).toContain('Step finish (painting): 10 pcs of painted-board, by Paint Shop: made and handed on');
    expect(text).toContain('late by 5 h');
    expect(text).toContain('step cut → step assemble (2 pcs per unit): carried by Crate Carrier as crate, 10 pcs: picked up: on the way.');
    expect(text).toContain('Recipient: Mia gets 5 pcs');
    // A box per step and the recipient; colour comes with words in each box.
    const boxes = img.querySelectorAll('[data-step]');
    expect([...boxes].map((b) => b.getAttribute('data-step'))).toEqual(['cut', 'finish', 'assemble', 'recipient']);
    const finish = img.querySelector('[data-step="finish"]')!;
    expect(finish.getAttribute('class')).toContain('fd-done');
    expect(finish.textContent).toContain('handed on');
    expect(finish.textContent).toContain('late by 5 h');
    expect(img.querySelector('[data-step="assemble"]')!.textContent).toContain('being made');
  });

  it('has the same facts in tables: one row per step, one per movement', () => {
    render(<FlowDiagram flow={shelfFlow()} recipient="Mia" now={NOW} />);
    const steps = screen.getByRole('table', { name: 'Steps of the flow' });
    const rows = within(steps).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual([expect.stringMatching(/^cut/), expect.stringMatching(/^finish/), expect.stringMatching(/^assemble/)]);
    expect(rows[1]).toHaveTextContent('Made and handed on');
    expect(rows[1]).toHaveTextContent('late by 5 h');
    expect(rows[2]).toHaveTextContent('Fab Lab B');
    const moves = screen.getByRole('table', { name: 'How the steps’ outputs move' });
    expect(within(moves).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual([
      `step cut → step assemble2 pcs per unitcarried by ${CARRIER.name} as crate, 10 pcs: picked up: on the way.`,
      'step finish → step assemble2 pcs per unitsame location, handed over directly, 10 pcs sent: waiting for the receiver.',
      'step assemble → Marienothing has moved yet.'.replace('Marie', 'Mia'),
    ]);
  });

  it('says the flow is overdue on the recipient’s box once its due date has passed', () => {
    render(<FlowDiagram flow={shelfFlow()} recipient="Mia" now={Date.parse('2031-03-06T17:00:00.000Z')} />);
    expect(document.querySelector('[data-step="recipient"]')!.textContent).toContain('late by 24 h');
  });
});

describe('a lot’s trace', () => {
  it('lists lots from the first maker to this lot, each with its hand-offs: quantities, who confirmed, when, note and photo', () => {
    render(
      <MemoryRouter>
        <LotTraceList trace={shelfTrace()} lotHref={(id) => `/console/lots/${id}`} />
      </MemoryRouter>,
    );
    const from = screen.getByRole('list', { name: 'Lots it was made from' });
    const lots = within(from).getAllByRole('listitem').filter((li) => li.classList.contains('trace-lot'));
    // The furthest first: the logs, then the sides cut from them.
    expect(lots.map((l) => l.querySelector('strong')!.textContent)).toEqual(['3 pcs log', '10 pcs shelf-side']);
    const sides = lots[1];
    expect(sides).toHaveTextContent('by Maker Workshop (run 1)');
    expect(sides).toHaveTextContent('Maker Workshop → Crate Carrier: 10 pcs sent, 10 received; confirmed by Crate Carrier');
    expect(sides).toHaveTextContent('Crate Carrier → Fab Lab B: 10 pcs sent, 9 received (1 short); confirmed by Fab Lab B');
    expect(sides).toHaveTextContent('note: “one side cracked”');
    expect(sides).toHaveTextContent('went into lot lot-shel (this lot)');
    expect(within(lots[0]).getByRole('link', { name: 'lot lot-side' })).toHaveAttribute('href', '/console/lots/lot-side-0001');
    const mine = screen.getByRole('list', { name: 'This lot' });
    expect(mine).toHaveTextContent('Fab Lab B → Mia: 5 pcs sent, 5 received; confirmed by Mia');
    expect(mine).toHaveTextContent('Delivered to Mia.');
    expect(within(mine).getByRole('link', { name: 'photo' })).toHaveAttribute('href', 'https://photos.example.org/shelves.jpg');
  });

  it('shows a refusal with its reason, a pending hand-off as waiting, and never links a photo that is not a web address', () => {
    const t = shelfTrace();
    t.lot.status = 'rejected';
    t.lot.handoffs = [
      { ...t.lot.handoffs[0], status: 'rejected', quantityReceived: null, reason: 'two shelves wobble', photoUrl: 'javascript:alert(1)' },
      { ...t.lot.handoffs[0], id: 'h-again', status: 'pending', quantityReceived: null, answeredAt: null, note: null, photoUrl: null },
    ];
    t.backward = [];
    render(
      <MemoryRouter>
        <LotTraceList trace={t} />
      </MemoryRouter>,
    );
    const mine = screen.getByRole('list', { name: 'This lot' });
    expect(mine).toHaveTextContent('refused by Mia on');
    expect(mine).toHaveTextContent(': “two shelves wobble”');
    expect(mine).toHaveTextContent('waiting for Mia to confirm (since');
    expect(mine).toHaveTextContent('Refused: it goes back to its step for rework.');
    expect(within(mine).queryByRole('link')).toBeNull();
    expect(screen.getByText(/made from no earlier lot/)).toBeInTheDocument();
  });
});
