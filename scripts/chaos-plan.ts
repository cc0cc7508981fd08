/**
 * The chaos runner's plan: everything one seed does, generated up front from the seed by a small
 * PRNG (mulberry32), before anything runs. What the system answers never feeds back into the plan,
 * so a seed always produces the same operations in the same order (`planDigest` proves it); only
 * the timing of concurrent operations differs between two runs of one seed.
 */
import { createHash } from 'node:crypto';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same stream everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Prng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** A bigint in [lo, hi] (small ranges: minor units of a test network). */
  big(lo: bigint, hi: bigint): bigint {
    return lo + BigInt(Math.floor(this.next() * Number(hi - lo + 1n)));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Picks a key by weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) {
      if ((r -= w) < 0) return k;
    }
    return entries[entries.length - 1][0];
  }
}

/** A fault decided by hashing (seed, activity, workflow, activity id, attempt): the same attempt of the same activity always gets the same fate, whatever ran before it. */
export function faultRoll(seed: number, parts: Array<string | number>): number {
  const h = createHash('sha256').update([seed, ...parts].join('|')).digest();
  return h.readUInt32BE(0) / 4294967296;
}

export type FinalStep = 'approve' | 'cancel-api' | 'cancel-temporal';

export interface RoundSpec {
  /** Index of the round in this seed (names its Idempotency-Key, so its id too). */
  index: number;
  project: number;
  goal: bigint;
  minPledge: bigint;
  closeWhenGoalMet: boolean;
  payoutApproval: 'coordinator' | 'members';
  operator: { member: number; upfront: bigint; bonus: number } | null;
  /** The deadline, this long after the (test server's) current time when the round opens. */
  deadlineInMinutes: number;
  /** The round buys a new asset (its ownership table is created when funded). */
  buysAsset: boolean;
  /** What the finale does if the round still awaits its payout (coordinator approval). */
  finally: FinalStep;
  /** How the members vote in the finale if the round awaits their vote (none: the vote times out). */
  finalVote: 'approve' | 'reject' | 'none';
}

export type Op =
  | { kind: 'open-round'; round: RoundSpec }
  | { kind: 'pledges'; items: Array<{ member: number; round: number; amount: bigint }> }
  | { kind: 'cancel'; round: number; via: 'api' | 'temporal' }
  | { kind: 'approve'; round: number }
  | { kind: 'vote'; round: number; votes: Array<{ member: number; option: 'approve' | 'reject' }> }
  | { kind: 'advance-time'; ms: number }
  | { kind: 'restart-worker'; downMs: number; graceMs: number }
  | { kind: 'deposit'; member: number; amount: bigint }
  | { kind: 'withdraw'; member: number; amount: bigint }
  | { kind: 'pause'; ms: number };

/** An operation and whether the driver waits for it (and everything in flight) before the next. */
export type Step = Op & { wait: boolean };

export interface ChaosPlan {
  seed: number;
  /** Money each member starts with (minor units, EUR). */
  members: bigint[];
  projects: number;
  /** ROUND_SETTLE_PAGE_SIZE: small, so every settlement runs several pages. */
  pageSize: number;
  /** Probability of a retryable failure before an activity runs, and after it ran and committed. */
  faults: { before: number; after: number; maxAttempt: number };
  steps: Step[];
  rounds: RoundSpec[];
  /** Short digest of the whole plan: two runs of one seed print the same one. */
  digest: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Generates the whole plan of a seed (`ops` operations after opening the first round). */
export function generatePlan(seed: number, ops: number): ChaosPlan {
  const r = new Prng(seed);
  const members = Array.from({ length: r.int(6, 14) }, () => r.big(10n, 80n) * 1_000n);
  const projects = r.int(1, 3);
  const pageSize = r.int(1, 4);
  const faults = { before: r.pick([0.05, 0.1, 0.15]), after: r.pick([0.05, 0.1, 0.15]), maxAttempt: 2 };
  const rounds: RoundSpec[] = [];
  const steps: Step[] = [];

  const newRound = (): RoundSpec => {
    const goal = r.big(3n, 60n) * 1_000n;
    const minPledge = r.pick([1n, 100n, 500n, 1_000n]);
    const withOperator = r.chance(0.25);
    const spec: RoundSpec = {
      index: rounds.length,
      project: r.int(0, projects - 1),
      goal,
      minPledge,
      closeWhenGoalMet: r.chance(0.5),
      payoutApproval: r.chance(0.15) ? 'members' : 'coordinator',
      // Sometimes more than the operator has: the round is then cancelled as it opens.
      operator: withOperator ? { member: r.int(0, members.length - 1), upfront: minPledge + r.big(0n, goal / 4n), bonus: r.int(0, 30) } : null,
      deadlineInMinutes: r.pick([15, 90, 12 * 60, 2 * 24 * 60, 5 * 24 * 60]),
      buysAsset: r.chance(0.2),
      finally: r.weighted<FinalStep>({ approve: 5, 'cancel-api': 2, 'cancel-temporal': 2 }),
      finalVote: r.weighted({ approve: 5, reject: 2, none: 1 }),
    };
    rounds.push(spec);
    return spec;
  };
  const anyRound = () => r.int(0, rounds.length - 1);
  /** Mostly recent rounds (where the action is), sometimes any. */
  const someRound = () => (r.chance(0.7) ? Math.max(0, rounds.length - 1 - r.int(0, 1)) : anyRound());
  const amountFor = (round: RoundSpec): bigint => {
    switch (r.weighted({ zero: 2, below: 1, fair: 10, big: 2, huge: 1 })) {
      case 'zero':
        return 0n; // withdraw
      case 'below':
        return round.minPledge > 1n ? round.minPledge - 1n : 0n;
      case 'fair':
        return round.minPledge + r.big(round.goal / 20n, round.goal / 3n);
      case 'big':
        return round.minPledge + r.big(round.goal / 4n, round.goal);
      default:
        return 10_000_000n; // more than anyone has
    }
  };

  steps.push({ kind: 'open-round', round: newRound(), wait: true });
  for (let i = 0; i < ops; i++) {
    const kind = r.weighted({
      'open-round': rounds.length < 8 ? 10 : 1,
      pledges: 40,
      cancel: 8,
      approve: 6,
      vote: 2,
      'advance-time': 10,
      'restart-worker': 6,
      deposit: 3,
      withdraw: 3,
      pause: 5,
    });
    let op: Op;
    switch (kind) {
      case 'open-round':
        op = { kind, round: newRound() };
        break;
      case 'pledges': {
        // A burst: some members at once, sometimes the same member twice (racing changes).
        const round = someRound();
        const n = r.int(1, 10);
        op = {
          kind,
          items: Array.from({ length: n }, () => {
            const target = r.chance(0.8) ? round : anyRound();
            return { member: r.int(0, members.length - 1), round: target, amount: amountFor(rounds[target]) };
          }),
        };
        break;
      }
      case 'cancel':
        op = { kind, round: someRound(), via: r.chance(0.5) ? 'api' : 'temporal' };
        break;
      case 'approve':
        op = { kind, round: anyRound() };
        break;
      case 'vote':
        op = { kind, round: anyRound(), votes: Array.from({ length: r.int(1, 6) }, () => ({ member: r.int(0, members.length - 1), option: r.chance(0.7) ? 'approve' : 'reject' })) };
        break;
      case 'advance-time':
        op = { kind, ms: r.pick([MINUTE, 10 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY]) };
        break;
      case 'restart-worker':
        op = { kind, downMs: r.pick([0, 50, 300, 1_000]), graceMs: r.pick([0, 100, 1_000]) };
        break;
      case 'deposit':
        op = { kind, member: r.int(0, members.length - 1), amount: r.big(1n, 30n) * 1_000n };
        break;
      case 'withdraw':
        op = { kind, member: r.int(0, members.length - 1), amount: r.big(1n, 20n) * 1_000n };
        break;
      default:
        op = { kind: 'pause', ms: r.pick([20, 100, 400]) };
    }
    steps.push({ ...op, wait: r.chance(0.35) });
  }
  const digest = createHash('sha256')
    .update(JSON.stringify({ members, projects, pageSize, faults, steps }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))
    .digest('hex')
    .slice(0, 12);
  return { seed, members, projects, pageSize, faults, steps, rounds, digest };
}
