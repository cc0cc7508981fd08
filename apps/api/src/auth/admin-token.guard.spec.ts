import { ExecutionContext } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { ProblemException } from '../common/problem';
import { AdminTokenGuard } from './admin-token.guard';

const TOKEN = 'coordinator-token-0123456789';
const guard = new AdminTokenGuard(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', ADMIN_TOKEN: TOKEN }));
const ctx = (authorization?: string) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }) }) }) as unknown as ExecutionContext;

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as ProblemException).status;
  }
}

describe('AdminTokenGuard', () => {
  it('lets the coordinator token through (Bearer, any case, trailing space)', () => {
    expect(guard.canActivate(ctx(`Bearer ${TOKEN}`))).toBe(true);
    expect(guard.canActivate(ctx(`bearer ${TOKEN} `))).toBe(true);
  });

  it.each([undefined, '', TOKEN, `Basic ${TOKEN}`, 'Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`])('answers 401 to %p', (header) => {
    expect(statusOf(() => guard.canActivate(ctx(header)))).toBe(401);
  });

  it('tells whether a header carries the coordinator token, without throwing', () => {
    expect(guard.isCoordinator(`Bearer ${TOKEN}`)).toBe(true);
    expect(guard.isCoordinator(undefined)).toBe(false);
    expect(guard.isCoordinator('Bearer wrong')).toBe(false);
  });

  it('refuses to start without a token configured', () => {
    expect(() => new AdminTokenGuard(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' }))).toThrow('ADMIN_TOKEN is required');
  });
});
