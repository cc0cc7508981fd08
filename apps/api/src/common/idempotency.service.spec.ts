import { RequestKeyEntity, RequestKeysRepository, requestHash } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { IdempotencyService } from './idempotency.service';
import { ProblemException } from './problem';

const row = (over: Partial<RequestKeyEntity>) => Object.assign(new RequestKeyEntity(), { key: 'k1', scope: 's', responseStatus: null, responseBody: null, ...over });

describe('IdempotencyService.once', () => {
  const setup = () => {
    const keys = strictMock<RequestKeysRepository>();
    return { keys, service: new IdempotencyService(keys) };
  };

  it('without a key just runs the request (nothing stored)', async () => {
    const s = setup();
    await expect(s.service.once(undefined, 'scope', {}, async () => 42)).resolves.toBe(42);
  });

  it('the first request under a key runs and its answer is stored', async () => {
    const s = setup();
    const hash = requestHash({ scope: 'advance:p1', request: { fromPhase: 'rnd' } });
    s.keys.claim.mockResolvedValue(row({ requestHash: hash }));
    s.keys.answer.mockResolvedValue();
    await expect(s.service.once('k1', 'advance:p1', { fromPhase: 'rnd' }, async () => ({ phase: 'prototyping' }))).resolves.toEqual({ phase: 'prototyping' });
    expect(s.keys.claim).toHaveBeenCalledWith('k1', 'advance:p1', hash);
    expect(s.keys.answer).toHaveBeenCalledWith('k1', 200, { phase: 'prototyping' });
  });

  it('a retry gets the stored answer without running; a stored refusal comes back as the same problem', async () => {
    const s = setup();
    const hash = requestHash({ scope: 's', request: {} });
    const fn = jest.fn();
    s.keys.claim.mockResolvedValueOnce(row({ requestHash: hash, responseStatus: 200, responseBody: { ok: true } }));
    await expect(s.service.once('k1', 's', {}, fn)).resolves.toEqual({ ok: true });
    s.keys.claim.mockResolvedValueOnce(row({ requestHash: hash, responseStatus: 409, responseBody: { code: 'phase_running', detail: 'it runs' } }));
    await expect(s.service.once('k1', 's', {}, fn)).rejects.toMatchObject({ status: 409, code: 'phase_running', detail: expect.stringContaining('it runs (the answer first given') });
    expect(fn).not.toHaveBeenCalled();
  });

  it('the same key with another request is a 409 and runs nothing', async () => {
    const s = setup();
    s.keys.claim.mockResolvedValue(row({ requestHash: 'another' }));
    await expect(s.service.once('k1', 's', { a: 1 }, jest.fn())).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' });
  });

  it('stores a 4xx refusal for retries, but neither a 5xx nor an unexpected error (those may succeed when retried)', async () => {
    const s = setup();
    const hash = requestHash({ scope: 's', request: {} });
    s.keys.claim.mockResolvedValue(row({ requestHash: hash }));
    s.keys.answer.mockResolvedValue();
    await expect(s.service.once('k1', 's', {}, async () => Promise.reject(new ProblemException(409, 'phase_done', 'done')))).rejects.toMatchObject({ code: 'phase_done' });
    expect(s.keys.answer).toHaveBeenCalledWith('k1', 409, { code: 'phase_done', detail: 'done' });
    await expect(s.service.once('k1', 's', {}, async () => Promise.reject(new ProblemException(504, 'workflow_timeout', 'late')))).rejects.toMatchObject({ status: 504 });
    await expect(s.service.once('k1', 's', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(s.keys.answer).toHaveBeenCalledTimes(1);
  });
});
