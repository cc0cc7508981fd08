/** Jobs in people's words: statuses, lead times, yield. Shared by the node pages and the console. */

export const JOB_STATUS_WORDS: Record<string, string> = {
  searching: 'Looking for a node',
  offered: 'Offered',
  'waiting-for-capacity': 'Waiting for a free node',
  'no-node': 'No capable node',
  accepted: 'Accepted',
  'in-progress': 'In progress',
  delivered: 'Delivered: awaiting confirmation',
  confirmed: 'Confirmed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

export const jobStatusWords = (s: string) => JOB_STATUS_WORDS[s] ?? s;

/** "3 d 4 h", "5 h 10 min", "12 min" (whole units; for lead times, never money). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export interface LeadTimes {
  firstOfferedAt: string | null;
  acceptedAt: string | null;
  completedAt: string | null;
  confirmedAt: string | null;
}

/** From the first offer to the confirmation (or to now, while the job runs); null before any offer. */
export function leadTimeMs(lt: LeadTimes, now = Date.now()): number | null {
  if (!lt.firstOfferedAt) return null;
  const end = lt.confirmedAt ? Date.parse(lt.confirmedAt) : now;
  return end - Date.parse(lt.firstOfferedAt);
}

/** What a job is, in words: its title, else its capability. */
export const jobTitle = (j: { title?: string | null; capability: string; quantity: number; unit: string }) => j.title ?? `${j.quantity} ${j.unit} (${j.capability})`;
