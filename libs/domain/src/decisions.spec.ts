import fc from 'fast-check';
import type { DecisionRule } from '../../contracts/src/decision';
import { Ballots, evaluate, evaluateTally, quorumCount, tally } from './decisions';

const OPTIONS = ['approve', 'reject', 'abstain'];

const rule: fc.Arbitrary<DecisionRule> = fc.oneof(
  fc.constant<DecisionRule>({ kind: 'majority' }),
  fc.integer({ min: 1, max: 100 }).map<DecisionRule>((quorumPercent) => ({ kind: 'quorum', quorumPercent })),
  fc.constant<DecisionRule>({ kind: 'unanimity' }),
  fc.constant<DecisionRule>({ kind: 'each' }),
);

/** Members asked, the answers of some of them, and what the rest would answer (null = no answer). */
const scenario = fc.integer({ min: 1, max: 12 }).chain((asked) =>
  fc.record({
    rule,
    asked: fc.constant(asked),
    order: fc.array(fc.option(fc.constantFrom(...OPTIONS), { nil: null }), { minLength: asked, maxLength: asked }),
    answeredSoFar: fc.integer({ min: 0, max: asked }),
  }),
);

const ballots = (r: DecisionRule, asked: number, answers: (string | null)[]): Ballots => ({
  rule: r,
  optionIds: OPTIONS,
  asked,
  answers: answers.filter((a): a is string => a !== null),
});

describe('decision rules', () => {
  it('an early outcome is never contradicted by the answers still to come (property)', () => {
    fc.assert(
      fc.property(scenario, ({ rule: r, asked, order, answeredSoFar }) => {
        const early = evaluate(ballots(r, asked, order.slice(0, answeredSoFar)), false);
        const final = evaluate(ballots(r, asked, order), true);
        expect(final).not.toBeNull();
        if (early) {
          expect(final!.status).toBe(early.status);
          if (early.status === 'decided' && final!.status === 'decided') expect(final!.optionId).toBe(early.optionId);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('at the deadline a majority winner has more than half of the votes cast, and the quorum (property)', () => {
    fc.assert(
      fc.property(scenario, ({ rule: r, asked, order }) => {
        const b = ballots(r, asked, order);
        const e = evaluate(b, true)!;
        if ((r.kind === 'majority' || r.kind === 'quorum') && e.status === 'decided') {
          const t = tally(OPTIONS, b.answers);
          expect(t[e.optionId!] * 2).toBeGreaterThan(b.answers.length);
          if (r.kind === 'quorum') expect(b.answers.length).toBeGreaterThanOrEqual(quorumCount(r.quorumPercent, asked));
        }
        if (r.kind === 'unanimity' && e.status === 'decided') {
          expect(b.answers).toHaveLength(asked);
          expect(new Set(b.answers).size).toBe(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('closes a majority vote early once an option has more than half of all members asked', () => {
    const r: DecisionRule = { kind: 'majority' };
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 5, answers: ['approve', 'approve'] }, false)).toBeNull();
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 5, answers: ['approve', 'approve', 'approve'] }, false)).toMatchObject({
      status: 'decided',
      optionId: 'approve',
    });
  });

  it('a tie or nobody answering at the deadline is undecided', () => {
    const r: DecisionRule = { kind: 'majority' };
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 4, answers: ['approve', 'reject'] }, true)).toMatchObject({ status: 'undecided' });
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 4, answers: [] }, true)).toEqual({ status: 'undecided', reason: 'nobody answered' });
    // A majority of the votes cast, not of everyone asked, decides at the deadline.
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 9, answers: ['reject'] }, true)).toMatchObject({ status: 'decided', optionId: 'reject' });
  });

  it('a quorum rounds up and must be met', () => {
    expect(quorumCount(50, 5)).toBe(3);
    expect(quorumCount(50, 4)).toBe(2);
    expect(quorumCount(100, 7)).toBe(7);
    expect(quorumCount(1, 1)).toBe(1);
    const r: DecisionRule = { kind: 'quorum', quorumPercent: 50 };
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 5, answers: ['approve', 'approve'] }, true)).toMatchObject({
      status: 'undecided',
      reason: '2 of 5 answered; the quorum is 3',
    });
  });

  it('unanimity fails as soon as two answers differ', () => {
    const r: DecisionRule = { kind: 'unanimity' };
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 5, answers: ['approve', 'reject'] }, false)).toMatchObject({ status: 'undecided' });
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 2, answers: ['approve', 'approve'] }, false)).toMatchObject({ status: 'decided', optionId: 'approve' });
  });

  it('"each answers for themselves" is done when everyone answered or time is up', () => {
    const r: DecisionRule = { kind: 'each' };
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 2, answers: ['approve'] }, false)).toBeNull();
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 2, answers: ['approve', 'reject'] }, false)).toMatchObject({ status: 'decided', optionId: null });
    expect(evaluate({ rule: r, optionIds: OPTIONS, asked: 2, answers: [] }, true)).toMatchObject({ status: 'decided' });
  });

  it('counting answers per option gives the same outcome as the list of answers, early and at the deadline (property)', () => {
    fc.assert(
      fc.property(scenario, fc.boolean(), ({ rule: r, asked, order, answeredSoFar }, final) => {
        const b = ballots(r, asked, order.slice(0, answeredSoFar));
        expect(evaluateTally({ rule: r, optionIds: OPTIONS, asked, tally: tally(OPTIONS, b.answers) }, final)).toEqual(evaluate(b, final));
      }),
      { numRuns: 3000 },
    );
  });
});
