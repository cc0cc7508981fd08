/**
 * The chaos runner (scripts/chaos.ts) on a few fixed seeds, on every `npm test`: the real API over
 * HTTP and a real worker (its activities wrapped by the seeded fault injector, restarted mid-run)
 * on the time-skipping Temporal server, PostgreSQL from the e2e global setup; after each seed the
 * invariants are checked from the database and the histories. Run many more with
 * `npm run chaos -- --seeds 200` (README).
 */
import { ChaosShared, failureReport, prepareChaos, runSeed, SeedReport } from '../../scripts/chaos-runner';
import '../support/temporal';

/** Seeds chosen for what their plans drive: rounds funded, failed and cancelled (through the API and Temporal), faults, restarts. */
const SEEDS = [33, 14];
const OPS = 18;

describe('chaos runner (fixed seeds)', () => {
  let shared: ChaosShared;
  const reports: SeedReport[] = [];

  beforeAll(async () => {
    shared = await prepareChaos(process.env.DPN_TEST_PG_URL!);
  });
  afterAll(async () => {
    await shared?.dispose();
  });

  it.each(SEEDS)(
    'seed %i keeps every invariant',
    async (seed) => {
      const report = await runSeed(shared, { seed, ops: OPS });
      reports.push(report);
      // On failure the message is the runner's own report: the violations, their evidence, the replay command.
      expect(report.violations.length === 0 ? 'ok' : failureReport(report, `npm run chaos -- --seed ${seed} --ops ${OPS}`)).toBe('ok');
    },
    300_000,
  );

  it('drove the storm it was meant to (faults injected, the worker restarted, rounds settled)', () => {
    expect(reports).toHaveLength(SEEDS.length);
    const sum = (f: (r: SeedReport) => number) => reports.reduce((s, r) => s + f(r), 0);
    expect(sum((r) => r.stats.faults.before + r.stats.faults.after)).toBeGreaterThan(0);
    expect(sum((r) => r.stats.restarts)).toBeGreaterThan(0);
    expect(sum((r) => Object.values(r.stats.pledges).reduce((a, b) => a + b, 0))).toBeGreaterThan(0);
    expect(sum((r) => (r.stats.rounds.funded ?? 0) + (r.stats.rounds.failed ?? 0) + (r.stats.rounds.cancelled ?? 0))).toBeGreaterThan(0);
  });
});
