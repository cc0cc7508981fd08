import type { Role } from './api/people';

/** Who is using the console, as the people page needs it. */
export type Viewer = { kind: 'bootstrap' } | { kind: 'coordinator'; id: string; role: Role };

const RANK: Record<Role, number> = { viewer: 0, coordinator: 1, treasurer: 2 };
const rankOf = (v: Viewer) => (v.kind === 'bootstrap' ? Infinity : RANK[v.role]);

/** The roles this person may hand out (the API's rule: nobody grants more than they hold; a viewer grants nothing). */
export function grantableRoles(v: Viewer): Role[] {
  if (v.kind === 'coordinator' && v.role === 'viewer') return [];
  return (Object.keys(RANK) as Role[]).filter((r) => RANK[r] <= rankOf(v));
}

/** What the people page offers on someone's row: nothing on one's own, nothing on someone who outranks you. */
export function rowActions(v: Viewer, target: { id: string; role: Role; status: 'invited' | 'active' | 'disabled' }) {
  const may = grantableRoles(v).length > 0 && !(v.kind === 'coordinator' && v.id === target.id) && rankOf(v) >= RANK[target.role];
  return {
    changeRole: may && target.status !== 'disabled',
    disable: may && target.status !== 'disabled',
    enable: may && target.status === 'disabled',
    resend: may && target.status === 'invited',
  };
}
