import { ApplicationFailure } from '@temporalio/workflow';
import fc from 'fast-check';
import { ALL_PROJECT_PHASES, ProjectLiveState, ProjectRejection } from '../../libs/contracts/src/production-project';
import { validateAdvance, validateCancel } from './rules';

const state = (over: Partial<ProjectLiveState> = {}): ProjectLiveState => ({
  projectId: 'p',
  phase: 'rnd',
  status: 'active',
  pendingRequest: null,
  transitions: [],
  ...over,
});

function failureOf(fn: () => void): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a rejection');
}

describe('validateAdvance', () => {
  it('accepts an active project with no pending request', () => {
    expect(() => validateAdvance(state(), { actor: 'c' })).not.toThrow();
    expect(() => validateAdvance(state({ phase: 'upgrade' }), { actor: 'c', fromPhase: 'upgrade' })).not.toThrow();
  });

  it.each(['completed', 'cancelled'] as const)('rejects a %s project as not active', (status) => {
    const f = failureOf(() => validateAdvance(state({ status, phase: status === 'completed' ? 'completed' : 'upgrade' }), { actor: 'c' }));
    expect(f.type).toBe(ProjectRejection.NotActive);
    expect(f.message).toBe(`project is ${status}; it cannot be advanced`);
    expect(f.nonRetryable).toBe(true);
  });

  it('rejects while another request is being applied', () => {
    const f = failureOf(() => validateAdvance(state({ pendingRequest: 'cancel' }), { actor: 'c' }));
    expect(f.type).toBe(ProjectRejection.RequestPending);
  });

  it('accepts fromPhase exactly when it names the current phase (property)', () => {
    const active = ALL_PROJECT_PHASES.filter((p) => p !== 'completed');
    fc.assert(
      fc.property(fc.constantFrom(...active), fc.constantFrom(...ALL_PROJECT_PHASES), (phase, from) => {
        const run = () => validateAdvance(state({ phase }), { actor: 'c', fromPhase: from });
        if (phase === from) expect(run).not.toThrow();
        else expect(failureOf(run).type).toBe(ProjectRejection.PhaseMismatch);
      }),
    );
  });
});

describe('validateCancel', () => {
  it('needs a reason', () => {
    expect(failureOf(() => validateCancel(state(), { actor: 'c', reason: '  ' })).type).toBe('InvalidArgument');
    expect(() => validateCancel(state(), { actor: 'c', reason: 'no funding' })).not.toThrow();
  });

  it('rejects a project that has already ended', () => {
    expect(failureOf(() => validateCancel(state({ status: 'cancelled' }), { actor: 'c', reason: 'x' })).message).toBe(
      'project is cancelled; it cannot be cancelled',
    );
  });
});
