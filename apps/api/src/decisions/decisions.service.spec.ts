import { Logger } from '@nestjs/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DecisionRejection, DecisionView } from '@app/contracts';
import { DecisionEntity, DecisionsRepository, DecisionVoterEntity, MemberEntity } from '@app/db';
import { strictMock, temporalClientMock } from '../../../../test/support/strict-mock';
import { AnswerCommand, DecisionsService } from './decisions.service';

beforeAll(() => Logger.overrideLogger(false));

const decision = (over: Partial<DecisionEntity> = {}) =>
  Object.assign(new DecisionEntity(), {
    id: 'd1',
    workflowId: 'decision-d1',
    options: [
      { id: 'yes', label: 'Yes' },
      { id: 'no', label: 'No' },
    ],
    status: 'open',
    deadline: new Date(Date.now() + 86_400_000),
    answersIn: 'database',
    asked: 3,
    answered: 0,
    outcome: null,
    ...over,
  });
const voter = (over: Partial<DecisionVoterEntity> = {}) =>
  Object.assign(new DecisionVoterEntity(), { decisionId: 'd1', memberId: 'm1', optionId: null, comment: null, via: null, answeredAt: null, ...over });
const member = (status: MemberEntity['status'] = 'active') => Object.assign(new MemberEntity(), { id: 'm1', status });
const cmd = (over: Partial<AnswerCommand> = {}): AnswerCommand => ({ decisionId: 'd1', member: member(), optionId: 'yes', via: 'api', ...over });
const refused = (type: string, message = 'refused') => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(message, type));

function setup() {
  const decisions = strictMock<DecisionsRepository>();
  const t = temporalClientMock();
  return { decisions, ...t, service: new DecisionsService(decisions, t.client as never) };
}

describe('DecisionsService.answer (answers in the database)', () => {
  it('records the answer in one repository call and answers with the member’s own answer only', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.findVoter.mockResolvedValueOnce(voter());
    s.decisions.answer.mockResolvedValue({ kind: 'recorded', answeredAt: new Date('2030-01-01T00:00:00Z'), certain: false });
    s.decisions.findVoter.mockResolvedValueOnce(voter({ optionId: 'yes', comment: 'ok', via: 'api', answeredAt: new Date('2030-01-01T00:00:00Z') }));
    const { view } = await s.service.answer(cmd({ comment: 'ok' }));
    expect(s.decisions.answer).toHaveBeenCalledWith({ decisionId: 'd1', memberId: 'm1', optionId: 'yes', comment: 'ok', via: 'api' });
    expect(view.answers).toEqual([{ memberId: 'm1', optionId: 'yes', comment: 'ok', via: 'api', answeredAt: '2030-01-01T00:00:00.000Z' }]);
    expect(s.workflow.getHandle).not.toHaveBeenCalled(); // not certain: no signal
  });

  it('signals the workflow once when this answer made the outcome certain; a lost signal does not undo the answer', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.findVoter.mockResolvedValue(voter({ optionId: 'yes', answeredAt: new Date() }));
    s.decisions.answer.mockResolvedValue({ kind: 'recorded', answeredAt: new Date(), certain: true });
    s.handle.signal.mockResolvedValueOnce(undefined);
    await s.service.answer(cmd());
    expect(s.workflow.getHandle).toHaveBeenCalledWith('decision-d1');
    expect(s.handle.signal.mock.calls[0][0].name).toBe('decisionCertain');
    s.handle.signal.mockRejectedValueOnce(new Error('14 UNAVAILABLE'));
    await expect(s.service.answer(cmd())).resolves.toMatchObject({ view: { answers: [{ optionId: 'yes' }] } });
    // A repeat of the same answer sends nothing.
    s.decisions.answer.mockResolvedValue({ kind: 'repeat', answeredAt: new Date() });
    await s.service.answer(cmd());
    expect(s.handle.signal).toHaveBeenCalledTimes(2);
  });

  it('turns each refusal of the ballot into its problem: not asked 404, unknown option 400, a change 409, closed 409', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.findVoter.mockResolvedValue(voter());
    s.decisions.answer.mockResolvedValueOnce({ kind: 'not-asked' });
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 404 });
    s.decisions.answer.mockResolvedValueOnce({ kind: 'unknown-option', optionIds: ['yes', 'no'] });
    await expect(s.service.answer(cmd({ optionId: 'maybe' }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'option', message: 'choose one of yes, no' }] });
    s.decisions.answer.mockResolvedValueOnce({ kind: 'changed', optionId: 'no' });
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'already_answered', detail: expect.stringContaining('no') });
    s.decisions.answer.mockResolvedValueOnce({ kind: 'closed', status: 'closing' });
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'decision_closed', detail: expect.stringContaining('certain') });
  });

  it('refuses before writing: a member not asked 404, a suspended member 403, text PostgreSQL cannot store 400', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision());
    s.decisions.findVoter.mockResolvedValueOnce(null);
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 404 });
    s.decisions.findVoter.mockResolvedValue(voter());
    await expect(s.service.answer(cmd({ member: member('suspended') }))).rejects.toMatchObject({ status: 403, code: 'member_suspended' });
    await expect(s.service.answer(cmd({ comment: 'nul\u0000byte' }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'comment' }] });
    expect(s.decisions.answer).not.toHaveBeenCalled();
  });
});

describe('DecisionsService.answer (answers in the workflow)', () => {
  const view = (answers: DecisionView['answers']): DecisionView =>
    ({ decisionId: 'd1', status: 'open', deadline: '2030-01-01T00:00:00.000Z', asked: 3, answered: answers.length, answers, outcome: null }) as DecisionView;
  const legacy = () => decision({ answersIn: 'workflow' });

  it('sends the answer as an update keyed by the member (a repeat is applied once) and shows only the member’s answer', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(legacy());
    s.decisions.findVoter.mockResolvedValue(voter());
    s.handle.executeUpdate.mockResolvedValue(view([{ memberId: 'm2', optionId: 'no' } as never, { memberId: 'm1', optionId: 'yes', via: 'api' } as never]));
    const r = await s.service.answer(cmd());
    expect(s.handle.executeUpdate.mock.calls[0][1]).toEqual({ args: [{ memberId: 'm1', optionId: 'yes', comment: undefined, via: 'api' }], updateId: 'answer:m1' });
    expect(r.view.answers).toEqual([{ memberId: 'm1', optionId: 'yes', via: 'api' }]);
    // The same update id returns the first answer: another option now is a change, refused.
    await expect(s.service.answer(cmd({ optionId: 'no' }))).rejects.toMatchObject({ status: 409, code: 'already_answered' });
  });

  it('checks what it can before the update: unknown option 400, an answer already given 409, closed or past its deadline 409', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(legacy());
    s.decisions.findVoter.mockResolvedValue(voter());
    await expect(s.service.answer(cmd({ optionId: 'maybe' }))).rejects.toMatchObject({ status: 400, errors: [{ field: 'option' }] });
    s.decisions.findVoter.mockResolvedValueOnce(voter({ optionId: 'no' }));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'already_answered' });
    s.decisions.findById.mockResolvedValueOnce(decision({ answersIn: 'workflow', deadline: new Date(Date.now() - 1000) }));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'decision_closed', detail: expect.stringContaining('deadline passed') });
    expect(s.handle.executeUpdate).not.toHaveBeenCalled();
  });

  it('answers the workflow’s refusals by the decision table (its own words); a timeout 504', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(legacy());
    s.decisions.findVoter.mockResolvedValue(voter());
    s.handle.executeUpdate.mockRejectedValueOnce(refused(DecisionRejection.AlreadyAnswered, 'you answered no'));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'already_answered', detail: 'you answered no' });
    s.handle.executeUpdate.mockRejectedValueOnce(refused(DecisionRejection.NotAsked, 'member m1 was not asked'));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 404, code: 'not_found' });
    s.handle.executeUpdate.mockRejectedValueOnce(refused(DecisionRejection.UnknownOption, 'no option maybe'));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'option' }] });
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: new Error('deadline') }));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 504, code: 'workflow_timeout' });
  });

  it('once closed (refused as closed, the run gone, or the update failed otherwise): the recorded same answer is a harmless repeat, anything else late', async () => {
    const s = setup();
    s.decisions.findById.mockResolvedValue(decision({ answersIn: 'workflow', status: 'decided' }));
    s.decisions.findVoter.mockResolvedValueOnce(voter({ optionId: 'yes' })); // forMember: already answered yes
    s.handle.executeUpdate.mockRejectedValueOnce(refused(DecisionRejection.Closed));
    s.decisions.findVoter.mockResolvedValueOnce(voter({ optionId: 'yes', via: 'link', answeredAt: new Date('2030-01-01T00:00:00Z') }));
    s.decisions.counts.mockResolvedValue({ asked: 3, answered: 3 });
    await expect(s.service.answer(cmd())).resolves.toMatchObject({ view: { status: 'decided', answered: 3, answers: [{ optionId: 'yes', via: 'link' }] } });

    // Not on record and the run has ended (not found, or an update failed another way): too late.
    s.decisions.findById.mockResolvedValue(decision({ answersIn: 'workflow', status: 'open' }));
    s.decisions.findVoter.mockResolvedValue(voter());
    s.handle.executeUpdate.mockRejectedValueOnce(new WorkflowNotFoundError('workflow execution already completed', 'decision-d1', undefined));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'decision_closed' });
    s.handle.executeUpdate.mockRejectedValueOnce(refused('DecisionWithdrawn', 'withdrawn'));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'decision_closed' });
    // Answered otherwise meanwhile: a change, refused.
    s.handle.executeUpdate.mockRejectedValueOnce(refused(DecisionRejection.Closed));
    s.decisions.findVoter.mockResolvedValueOnce(voter()).mockResolvedValueOnce(voter({ optionId: 'no' }));
    await expect(s.service.answer(cmd())).rejects.toMatchObject({ status: 409, code: 'already_answered' });
  });
});
