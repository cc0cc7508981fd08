/**
 * `npm run build && node dist/scripts/history-stats.js [dir]`: what each recorded workflow history
 * (test/replay/histories by default) weighs against Temporal's limits: events, bytes (as
 * `temporal workflow show --output json` writes them), activities scheduled and the most pending
 * at once, Updates, signals, timers and child workflows. docs/operations.md quotes these figures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Event {
  eventId: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: unknown;
  [key: string]: unknown;
}

function stats(events: Event[]) {
  const open = new Set<string>();
  let maxPending = 0;
  const count = (type: string) => events.filter((e) => e.eventType === type).length;
  for (const e of events) {
    if (e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') open.add(e.eventId);
    for (const k of ['activityTaskCompletedEventAttributes', 'activityTaskFailedEventAttributes', 'activityTaskTimedOutEventAttributes', 'activityTaskCanceledEventAttributes']) {
      const a = e[k] as { scheduledEventId?: string } | undefined;
      if (a?.scheduledEventId) open.delete(String(a.scheduledEventId));
    }
    maxPending = Math.max(maxPending, open.size);
  }
  return {
    events: events.length,
    activities: count('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'),
    maxPending,
    updates: count('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED'),
    signals: count('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED'),
    timers: count('EVENT_TYPE_TIMER_STARTED'),
    children: count('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED'),
  };
}

function main(): void {
  const root = process.argv[2] ?? join(__dirname, '..', '..', 'test', 'replay', 'histories');
  const rows: string[] = [['history', 'events', 'bytes', 'activities', 'maxPending', 'updates', 'signals', 'timers', 'children'].join('\t')];
  for (const type of readdirSync(root).sort()) {
    const dir = join(root, type);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      const { events } = JSON.parse(text) as { events: Event[] };
      const s = stats(events);
      rows.push([relative(root, join(dir, file)), s.events, JSON.stringify(JSON.parse(text)).length, s.activities, s.maxPending, s.updates, s.signals, s.timers, s.children].join('\t'));
    }
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main();
