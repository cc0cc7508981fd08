/**
 * Strict mocks for unit tests (after immich's `automock`): every method of the mocked class is a
 * jest mock that throws unless the test gave it an implementation, so a service that calls
 * something the test did not expect fails instead of getting `undefined`.
 */
import { mock, MockProxy } from 'jest-mock-extended';

function unmocked(): never {
  throw new Error('unmocked call: the test gave this method no implementation (see the stack for which)');
}

export type StrictMock<T> = MockProxy<T> & T;

export function strictMock<T>(implementation: { [K in keyof T]?: T[K] extends (...args: infer A) => infer R ? (...args: A) => R : T[K] } = {}): StrictMock<T> {
  return mock<T>(implementation as Parameters<typeof mock<T>>[0], { fallbackMockImplementation: unmocked });
}

/**
 * A Temporal `Client` for unit tests of API services: strict, with `withDeadline` running the call,
 * a reachable server (`getSystemInfo`), and one strict workflow handle for every workflow id.
 * Give `handle` (and `workflow.start`) the answers a test needs. (E2E tests use the real server.)
 */
export function temporalClientMock() {
  // Loose types on purpose: the SDK's handle and client types are large; tests set only what they use.
  const handle = strictMock<{ executeUpdate: jest.Mock; query: jest.Mock; signal: jest.Mock }>({});
  const workflow = strictMock<{ start: jest.Mock; getHandle: jest.Mock }>({ getHandle: jest.fn(() => handle) });
  const workflowService = strictMock<{ getSystemInfo: jest.Mock }>({ getSystemInfo: jest.fn(async () => ({})) });
  const client = strictMock<{ withDeadline: jest.Mock; workflow: typeof workflow; workflowService: typeof workflowService }>({
    withDeadline: jest.fn((_deadline: number, fn: () => Promise<unknown>) => fn()),
    workflow,
    workflowService,
  });
  return { client, workflow, handle, workflowService };
}

/** A logger that drops everything (activity tests run in a `MockActivityEnvironment` with it: their log lines are not under test). */
export const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
