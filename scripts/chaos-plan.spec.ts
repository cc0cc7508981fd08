/**
 * The chaos plan is a pure function of the seed: a failing seed replays the same operations, in
 * the same order, with the same fault points.
 */
import { faultRoll, generatePlan, mulberry32, Prng } from './chaos-plan';

const plain = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

describe('chaos plan', () => {
  it('is the same for the same seed, operation for operation', () => {
    for (const seed of [0, 1, 42, 2 ** 31 + 7]) {
      const a = generatePlan(seed, 60);
      const b = generatePlan(seed, 60);
      expect(plain(b)).toBe(plain(a));
      expect(b.digest).toBe(a.digest);
    }
  });

  it('differs between seeds, and its digest says so', () => {
    const digests = new Set(Array.from({ length: 50 }, (_, seed) => generatePlan(seed, 40).digest));
    expect(digests.size).toBe(50);
  });

  it('has the requested number of operations after the first round opens, and every kind of step over a few seeds', () => {
    const plan = generatePlan(7, 40);
    expect(plan.steps).toHaveLength(41);
    expect(plan.steps[0]).toMatchObject({ kind: 'open-round', wait: true });
    const kinds = new Set(Array.from({ length: 10 }, (_, seed) => generatePlan(seed, 40).steps.map((s) => s.kind)).flat());
    expect([...kinds].sort()).toEqual(['advance-time', 'approve', 'cancel', 'deposit', 'open-round', 'pause', 'pledges', 'restart-worker', 'vote', 'withdraw']);
  });

  it('only refers to rounds opened before the step and members that exist', () => {
    for (let seed = 0; seed < 30; seed++) {
      const plan = generatePlan(seed, 80);
      let opened = 0;
      for (const step of plan.steps) {
        const rounds = step.kind === 'pledges' ? step.items.map((i) => i.round) : 'round' in step && typeof step.round === 'number' ? [step.round] : [];
        for (const r of rounds) expect(r).toBeLessThan(opened);
        const members = step.kind === 'pledges' ? step.items.map((i) => i.member) : step.kind === 'vote' ? step.votes.map((v) => v.member) : 'member' in step ? [step.member] : [];
        for (const m of members) expect(m).toBeLessThan(plan.members.length);
        if (step.kind === 'open-round') expect(step.round.index).toBe(opened++);
      }
      expect(opened).toBe(plan.rounds.length);
    }
  });

  it('decides each activity attempt’s fault from the seed and the attempt alone', () => {
    const parts = ['before', 'captureHoldsPage', 'round-x', '7', 1];
    expect(faultRoll(3, parts)).toBe(faultRoll(3, parts));
    expect(faultRoll(3, parts)).not.toBe(faultRoll(4, parts));
    expect(faultRoll(3, parts)).not.toBe(faultRoll(3, [...parts.slice(0, 4), 2]));
    const rolls = Array.from({ length: 2_000 }, (_, i) => faultRoll(1, ['after', 'payOut', 'round-y', String(i), 1]));
    expect(rolls.every((r) => r >= 0 && r < 1)).toBe(true);
    const share = rolls.filter((r) => r < 0.1).length / rolls.length; // about the planned probability
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);
  });

  it('draws numbers in range from a repeatable stream', () => {
    const a = mulberry32(99);
    const b = mulberry32(99);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    const r = new Prng(5);
    for (let i = 0; i < 1_000; i++) {
      const n = r.int(3, 6);
      expect(n >= 3 && n <= 6 && Number.isInteger(n)).toBe(true);
      const big = r.big(10n, 12n);
      expect(big >= 10n && big <= 12n).toBe(true);
    }
  });
});
