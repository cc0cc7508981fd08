/** Attributes worth seeing on a console line (the rest are in the log file). */
const SHOWN = ['requestId', 'workflowId', 'activityType', 'attempt', 'nodeId', 'error'];

/**
 * The console line for one log line of a child, or null: requests and warnings or failures
 * only. Lines that are not our JSON (a crash's stack trace) are shown as they are.
 */
export function consoleLine(line: string, all = false): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'string' || typeof entry.message !== 'string') return line;
  const failure = ['warn', 'error', 'fatal'].includes(entry.level);
  const request = entry.context === 'HTTP' && !failure;
  if (!failure && !request && !all) return null;
  const attrs = SHOWN.filter((k) => entry[k] !== undefined && !(request && k !== 'requestId')).map((k) => `${k}=${typeof entry[k] === 'string' ? entry[k] : JSON.stringify(entry[k])}`);
  const level = entry.level === 'info' ? '' : `${entry.level.toUpperCase()} `;
  const context = request || typeof entry.context !== 'string' ? '' : `${entry.context}: `;
  return `${level}${context}${entry.message}${attrs.length ? ` (${attrs.join(' ')})` : ''}`;
}
