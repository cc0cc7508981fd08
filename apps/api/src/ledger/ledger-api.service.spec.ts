import { JobPaymentsRepository, LedgerService, MembersRepository, ProjectsRepository } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { LedgerApiService } from './ledger-api.service';
import { PaymentGateway } from './payment-gateway';

function setup() {
  const ledger = strictMock<LedgerService>();
  const members = strictMock<MembersRepository>();
  const projects = strictMock<ProjectsRepository>();
  const gateway = strictMock<PaymentGateway>();
  const payments = strictMock<JobPaymentsRepository>();
  const t = temporalClientMock();
  return { ledger, members, projects, gateway, payments, ...t, service: new LedgerApiService(ledger, members, projects, gateway, payments, t.client as never) };
}

describe('LedgerApiService', () => {
  it('a transfer between the same account is a 400; each side must exist (a project or a member, by kind)', async () => {
    const s = setup();
    const ref = { kind: 'member' as const, ownerId: 'm1' };
    await expect(s.service.transfer({ from: ref, to: ref, currency: 'EUR', amount: 1n }, 'k')).rejects.toMatchObject({ status: 400, errors: [{ field: 'to' }] });
    s.members.exists.mockResolvedValue(true);
    s.projects.exists.mockResolvedValue(false);
    await expect(s.service.transfer({ from: ref, to: { kind: 'project', ownerId: 'p9' }, currency: 'EUR', amount: 1n }, 'k')).rejects.toMatchObject({ status: 404, detail: 'project p9 does not exist' });
    expect(s.projects.exists).toHaveBeenCalledWith('p9');
  });

  it('a deposit needs a known member; a withdrawal pays out after posting, also on a replay', async () => {
    const s = setup();
    s.members.exists.mockResolvedValueOnce(false);
    await expect(s.service.deposit({ memberId: 'm9', currency: 'EUR', amount: 5n }, 'k1')).rejects.toMatchObject({ status: 404 });
    s.members.exists.mockResolvedValue(true);
    s.ledger.account.mockImplementation(async (kind) => ({ id: `${kind}-acct` }) as never);
    s.ledger.post.mockResolvedValue({ replayed: true } as never);
    s.gateway.payOut.mockResolvedValue({ reference: null });
    await expect(s.service.withdraw({ memberId: 'm1', currency: 'EUR', amount: 5n }, 'k2')).resolves.toEqual({ replayed: true });
    expect(s.ledger.post.mock.calls[0][0]).toMatchObject({ idempotencyKey: 'k2', kind: 'withdrawal', entries: [{ accountId: 'member-acct', amount: -5n }, { accountId: 'external-acct', amount: 5n }] });
    expect(s.gateway.payOut).toHaveBeenCalledWith({ memberId: 'm1', currency: 'EUR', amount: 5n, idempotencyKey: 'k2' });
  });

  it('a transfer into a project tells every priced job waiting on that account (moneyAdded); one it cannot reach does not undo the transfer', async () => {
    const s = setup();
    s.members.exists.mockResolvedValue(true);
    s.projects.exists.mockResolvedValue(true);
    s.ledger.account.mockImplementation(async (kind) => ({ id: `${kind}-acct` }) as never);
    s.ledger.post.mockResolvedValue({ replayed: false } as never);
    s.payments.waitingOn.mockResolvedValue(['j1', 'j2']);
    s.handle.signal.mockRejectedValueOnce(new Error('workflow not found')).mockResolvedValueOnce(undefined);
    await expect(s.service.transfer({ from: { kind: 'member', ownerId: 'm1' }, to: { kind: 'project', ownerId: 'p1' }, currency: 'EUR', amount: 5n }, 'k3')).resolves.toEqual({ replayed: false });
    expect(s.payments.waitingOn).toHaveBeenCalledWith('project-acct');
    expect(s.workflow.getHandle.mock.calls).toEqual([['job-j1'], ['job-j2']]);
    expect(s.handle.signal).toHaveBeenCalledTimes(2);
    // Into a member's account: no job waits on it, nobody is asked.
    s.payments.waitingOn.mockClear();
    await s.service.transfer({ from: { kind: 'project', ownerId: 'p1' }, to: { kind: 'member', ownerId: 'm1' }, currency: 'EUR', amount: 5n }, 'k4');
    expect(s.payments.waitingOn).not.toHaveBeenCalled();
  });

  it('an unknown transaction is a 404', async () => {
    const s = setup();
    s.ledger.findTransaction.mockResolvedValue(null);
    await expect(s.service.transaction('t9')).rejects.toMatchObject({ status: 404 });
  });
});
