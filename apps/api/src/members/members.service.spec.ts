import { QueryFailedError } from 'typeorm';
import { MemberEntity, MembersRepository, MemberTokenEntity, TokensRepository } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { hashToken } from '../auth/token-hash';
import { MemberTokensService } from './member-tokens';
import { MembersService } from './members.service';

const uniqueViolation = () => new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
const member = () => Object.assign(new MemberEntity(), { id: 'm1', name: 'Ada', email: 'ada@example.org', status: 'active' });

describe('MembersService', () => {
  const setup = () => {
    const members = strictMock<MembersRepository>();
    return { members, service: new MembersService(members) };
  };

  it('creates a member active unless told otherwise; a taken email is a 409 email_taken', async () => {
    const s = setup();
    s.members.create.mockImplementation(async (m) => Object.assign(new MemberEntity(), m));
    await expect(s.service.create({ name: 'Ada', email: 'ada@example.org' })).resolves.toMatchObject({ status: 'active' });
    s.members.create.mockRejectedValue(uniqueViolation());
    await expect(s.service.create({ name: 'Ada', email: 'ada@example.org' })).rejects.toMatchObject({ status: 409, code: 'email_taken' });
  });

  it('an update may not null a field; an unknown member is a 404', async () => {
    const s = setup();
    s.members.findById.mockResolvedValueOnce(null);
    await expect(s.service.update('m9', { name: 'x' })).rejects.toMatchObject({ status: 404 });
    s.members.findById.mockResolvedValueOnce(member());
    await expect(s.service.update('m1', { name: null as unknown as string })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('pages with the filters', async () => {
    const s = setup();
    s.members.list.mockResolvedValue({ items: [member()], total: 3 });
    await expect(s.service.list({ status: 'active', limit: 1, offset: 2 })).resolves.toMatchObject({ total: 3, limit: 1, offset: 2 });
    expect(s.members.list).toHaveBeenCalledWith({ status: 'active', email: undefined, limit: 1, offset: 2 });
  });
});

describe('MemberTokensService', () => {
  const setup = () => {
    const tokens = strictMock<TokensRepository>();
    const members = strictMock<MembersService>();
    return { tokens, members, service: new MemberTokensService(tokens, members) };
  };

  it('issues a token for a known member only, shows it once and stores its hash', async () => {
    const s = setup();
    s.members.get.mockRejectedValueOnce(Object.assign(new Error('no'), { status: 404 }));
    await expect(s.service.issue('m9', 'phone')).rejects.toMatchObject({ status: 404 });
    s.members.get.mockResolvedValue(member());
    s.tokens.issue.mockImplementation(async (_k, memberId, name) =>
      Object.assign(new MemberTokenEntity(), { id: 't1', memberId, name, createdAt: new Date('2027-01-01T00:00:00Z'), lastUsedAt: null, revokedAt: null }) as never,
    );
    const issued = await s.service.issue('m1', 'phone');
    expect(issued).toMatchObject({ id: 't1', name: 'phone', createdAt: '2027-01-01T00:00:00.000Z', lastUsedAt: null });
    expect(issued.token).toMatch(/^dpn_mbr_/);
    expect(s.tokens.issue).toHaveBeenCalledWith('member', 'm1', 'phone', hashToken(issued.token));
  });

  it('revoking a token the member does not have is a 404', async () => {
    const s = setup();
    s.tokens.revoke.mockResolvedValueOnce(false);
    await expect(s.service.revoke('m1', 't9')).rejects.toMatchObject({ status: 404 });
    s.tokens.revoke.mockResolvedValueOnce(true);
    await expect(s.service.revoke('m1', 't1')).resolves.toBeUndefined();
  });
});
