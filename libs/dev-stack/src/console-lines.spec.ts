import { consoleLine } from './console-lines';

const line = (o: Record<string, unknown>) => JSON.stringify({ time: '2026-01-01T00:00:00.000Z', process: 'api', ...o });

describe('consoleLine (npm run dev)', () => {
  it('shows a request as one line with its request id', () => {
    expect(consoleLine(line({ level: 'info', context: 'HTTP', message: 'POST /admin/projects 201 12.3 ms', requestId: 'r1', route: '/admin/projects', status: 201 }))).toBe(
      'POST /admin/projects 201 12.3 ms (requestId=r1)',
    );
  });

  it('shows warnings and failures with their level, context and the attributes that locate them', () => {
    expect(consoleLine(line({ level: 'warn', context: 'Activity', message: 'job event not delivered', workflowId: 'job-1', activityType: 'sendJobEvent', attempt: 3, taskQueue: 'dpn' }))).toBe(
      'WARN Activity: job event not delivered (workflowId=job-1 activityType=sendJobEvent attempt=3)',
    );
  });

  it('leaves out everything else, unless asked for all (a failed start-up)', () => {
    const info = line({ level: 'info', context: 'Activity', message: 'project transition recorded', workflowId: 'project-1' });
    expect(consoleLine(info)).toBeNull();
    expect(consoleLine(line({ level: 'debug', context: 'RouterExplorer', message: 'Mapped {/x, GET} route' }))).toBeNull();
    expect(consoleLine(info, true)).toBe('Activity: project transition recorded (workflowId=project-1)');
  });

  it('shows lines that are not ours as they are (a crash)', () => {
    expect(consoleLine('    at Object.<anonymous> (/app/x.js:1:1)')).toBe('    at Object.<anonymous> (/app/x.js:1:1)');
    expect(consoleLine('[1,2]')).toBe('[1,2]');
  });
});
