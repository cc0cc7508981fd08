import { ServiceError } from '@temporalio/client';
import { createServer } from 'node:net';
import { TemporalAvailability, TemporalUnavailableError } from './temporal-availability';

/** A port nothing listens on: every connection is refused, as with a Temporal that is down. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => e);

describe('TemporalAvailability (against a refused port)', () => {
  let availability: TemporalAvailability;
  beforeEach(async () => {
    availability = new TemporalAvailability({ address: `127.0.0.1:${await closedPort()}` }, { probeTimeoutMs: 2_000, freshMs: 60_000, watchAfterMs: 200 });
  });
  afterEach(() => availability.close());

  it('reports down from a probe, and the health check throws', async () => {
    await expect(availability.probe()).resolves.toBe(false);
    expect(availability.known).toMatchObject({ up: false });
    await expect(availability.check()).rejects.toBeInstanceOf(TemporalUnavailableError);
  });

  it('abandons a call that waits while a probe finds Temporal down', async () => {
    const err = await outcome(availability.guard(() => new Promise(() => undefined)));
    expect(err).toBeInstanceOf(TemporalUnavailableError);
    expect(err).toBeInstanceOf(ServiceError); // treated like Temporal's own "unavailable" everywhere
  });

  it('fails a call at once, without making it, while Temporal is known to be down', async () => {
    await availability.probe();
    let called = false;
    const err = await outcome(
      availability.guard(async () => {
        called = true;
      }),
    );
    expect(err).toBeInstanceOf(TemporalUnavailableError);
    expect(called).toBe(false);
  });

  it('passes through what a call returns or throws while nothing is known against it', async () => {
    await expect(availability.guard(async () => 42)).resolves.toBe(42);
    const own = new Error('a refusal of the workflow');
    await expect(availability.guard(() => Promise.reject(own))).rejects.toBe(own);
  });

  it('ends calls in flight when it closes', async () => {
    const waiting = outcome(availability.guard(() => new Promise(() => undefined)));
    await availability.close();
    expect(await waiting).toBeInstanceOf(TemporalUnavailableError);
  });
});
