import { loggedPath } from './request-context';

describe('loggedPath', () => {
  it('drops the query string and redacts signed links, keeps ids', () => {
    expect(loggedPath('/admin/projects/5f0c6b1e-6a0e-4a57-9d4c-0f8a5e2f6b11?limit=5&token=abc')).toBe('/admin/projects/5f0c6b1e-6a0e-4a57-9d4c-0f8a5e2f6b11');
    expect(loggedPath(`/decide/${'a'.repeat(60)}.${'b'.repeat(43)}`)).toBe('/decide/[redacted]');
    expect(loggedPath('/')).toBe('/');
  });
});
