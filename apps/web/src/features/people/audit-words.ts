import type { SchemaAuditEventDto } from '@/lib/api/schema';

const TYPE_WORDS: Record<string, string> = {
  coordinator: 'coordinator',
  bootstrap: 'bootstrap token',
  member: 'member',
  node: 'node',
  system: 'system',
  anonymous: 'not signed in',
};

/** Who did it, in words: the name when there is one, with what they are and how they came. */
export function actorWords(a: SchemaAuditEventDto['actor']): { who: string; what: string } {
  if (a.type === 'bootstrap') return { who: 'Bootstrap token', what: 'operations' };
  const what = [TYPE_WORDS[a.type] ?? a.type, a.via ? `by ${a.via}` : null].filter(Boolean).join(', ');
  return { who: a.name ?? (a.type === 'anonymous' ? 'Unknown' : (a.id ?? a.type)), what };
}

/** The outcome, in words: done, or refused and why. */
export function outcomeWords(e: Pick<SchemaAuditEventDto, 'status' | 'code'>): { ok: boolean; text: string } {
  if (e.status < 400) return { ok: true, text: `done (${e.status})` };
  return { ok: false, text: `refused (${e.status}${e.code ? ` ${e.code}` : ''})` };
}

/** A `datetime-local` value (the viewer's time) as an ISO instant for the API; '' stays unset. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
