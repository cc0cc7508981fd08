/**
 * The rules that turn members' answers into an outcome. Pure and deterministic: the decision
 * workflow runs them in its sandbox, and property tests check them.
 *
 * `evaluate(..., final: false)` returns an outcome only when it is already certain, whatever the
 * members who have not answered yet do (answers are final, so a decision can close early);
 * `final: true` (the deadline has passed) always returns one.
 */
import type { DecisionRule } from '../../contracts/src/decision';

export type Evaluation =
  | { status: 'decided'; optionId: string | null; reason: string }
  | { status: 'undecided'; reason: string };

export interface Ballots {
  rule: DecisionRule;
  optionIds: readonly string[];
  /** How many members were asked. */
  asked: number;
  /** The option each answering member chose (one entry per member who answered). */
  answers: readonly string[];
}

export function tally(optionIds: readonly string[], answers: readonly string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const id of optionIds) t[id] = 0;
  for (const a of answers) t[a] = (t[a] ?? 0) + 1;
  return t;
}

/** Members needed for a quorum of `percent` % (an integer 1..100) of `asked`, rounded up, in integers. */
export function quorumCount(percent: number, asked: number): number {
  return Math.floor((percent * asked + 99) / 100);
}

function leader(t: Record<string, number>, optionIds: readonly string[]): { id: string; votes: number; tied: boolean } {
  let best = { id: optionIds[0], votes: -1, tied: false };
  for (const id of optionIds) {
    const v = t[id] ?? 0;
    if (v > best.votes) best = { id, votes: v, tied: false };
    else if (v === best.votes) best.tied = true;
  }
  return best;
}

const votes = (n: number) => `${n} vote${n === 1 ? '' : 's'}`;

export function evaluate(b: Ballots, final: boolean): Evaluation | null {
  const cast = b.answers.length;
  const everyone = cast >= b.asked;
  const t = tally(b.optionIds, b.answers);
  const turnout = `${cast} of ${b.asked} answered`;
  switch (b.rule.kind) {
    case 'each':
      // Nothing to decide in common: done when everyone has answered or the time is up.
      return everyone || final ? { status: 'decided', optionId: null, reason: turnout } : null;
    case 'unanimity': {
      const distinct = new Set(b.answers);
      if (distinct.size > 1) return { status: 'undecided', reason: `${turnout}; the answers differ, so there is no unanimity` };
      if (everyone && cast > 0) {
        const [only] = distinct;
        return { status: 'decided', optionId: only, reason: `all ${b.asked} chose ${only}` };
      }
      return final ? { status: 'undecided', reason: `${turnout}; unanimity needs every member asked` } : null;
    }
    case 'majority':
    case 'quorum': {
      const needed = b.rule.kind === 'quorum' ? quorumCount(b.rule.quorumPercent, b.asked) : 0;
      const top = leader(t, b.optionIds);
      // Certain before the deadline: more than half of everyone asked, and the quorum already met.
      if (!final && !everyone) {
        return top.votes * 2 > b.asked && cast >= needed
          ? { status: 'decided', optionId: top.id, reason: `${turnout}; ${top.id} has ${votes(top.votes)}, more than half of all members asked` }
          : null;
      }
      if (cast === 0) return { status: 'undecided', reason: 'nobody answered' };
      if (cast < needed) return { status: 'undecided', reason: `${turnout}; the quorum is ${needed}` };
      if (!top.tied && top.votes * 2 > cast) {
        return { status: 'decided', optionId: top.id, reason: `${turnout}; ${top.id} has ${votes(top.votes)} of ${cast}` };
      }
      return { status: 'undecided', reason: `${turnout}; no option has more than half of the votes cast` };
    }
  }
}

/** The answers counted per option, as a database keeps them: what `evaluateTally` needs. */
export interface TallyBallots {
  rule: DecisionRule;
  optionIds: readonly string[];
  /** How many members were asked. */
  asked: number;
  /** Answers per option id (an option nobody chose may be absent or 0). */
  tally: Readonly<Record<string, number>>;
}

/**
 * `evaluate` from the counts alone, in time independent of the number of voters: what the API
 * runs on every answer (under the decision row's lock) to learn whether the outcome is now
 * certain, and the workflow runs on the count it takes at the close.
 */
export function evaluateTally(b: TallyBallots, final: boolean): Evaluation | null {
  const t: Record<string, number> = {};
  for (const id of b.optionIds) t[id] = 0;
  let cast = 0;
  for (const [id, n] of Object.entries(b.tally)) {
    if (n > 0) {
      t[id] = n;
      cast += n;
    }
  }
  const everyone = cast >= b.asked;
  const turnout = `${cast} of ${b.asked} answered`;
  switch (b.rule.kind) {
    case 'each':
      // Nothing to decide in common: done when everyone has answered or the time is up.
      return everyone || final ? { status: 'decided', optionId: null, reason: turnout } : null;
    case 'unanimity': {
      const distinct = Object.keys(t).filter((id) => t[id] > 0);
      if (distinct.length > 1) return { status: 'undecided', reason: `${turnout}; the answers differ, so there is no unanimity` };
      if (everyone && cast > 0) {
        const [only] = distinct;
        return { status: 'decided', optionId: only, reason: `all ${b.asked} chose ${only}` };
      }
      return final ? { status: 'undecided', reason: `${turnout}; unanimity needs every member asked` } : null;
    }
    case 'majority':
    case 'quorum': {
      const needed = b.rule.kind === 'quorum' ? quorumCount(b.rule.quorumPercent, b.asked) : 0;
      const top = leader(t, b.optionIds);
      // Certain before the deadline: more than half of everyone asked, and the quorum already met.
      if (!final && !everyone) {
        return top.votes * 2 > b.asked && cast >= needed
          ? { status: 'decided', optionId: top.id, reason: `${turnout}; ${top.id} has ${votes(top.votes)}, more than half of all members asked` }
          : null;
      }
      if (cast === 0) return { status: 'undecided', reason: 'nobody answered' };
      if (cast < needed) return { status: 'undecided', reason: `${turnout}; the quorum is ${needed}` };
      if (!top.tied && top.votes * 2 > cast) {
        return { status: 'decided', optionId: top.id, reason: `${turnout}; ${top.id} has ${votes(top.votes)} of ${cast}` };
      }
      return { status: 'undecided', reason: `${turnout}; no option has more than half of the votes cast` };
    }
  }
}
