import type { CoordinatorEntity, CoordinatorRole } from '@app/db';
import { ProblemException } from '../common/problem';
import type { AdminPrincipal } from '../auth/admin.guard';

/** viewer < coordinator < treasurer; the bootstrap token outranks everyone. */
const RANK: Record<CoordinatorRole, number> = { viewer: 0, coordinator: 1, treasurer: 2 };
const rankOf = (p: AdminPrincipal) => (p.kind === 'bootstrap' ? Infinity : RANK[p.coordinator.role]);

/** Nobody hands out more than they hold: a coordinator invites viewers and coordinators; only a treasurer (or the bootstrap token) makes treasurers. */
export function assertMayGrant(by: AdminPrincipal, role: CoordinatorRole): void {
  if (by.kind === 'coordinator' && by.coordinator.role === 'viewer') throw new ProblemException(403, 'forbidden_role', 'a viewer can look but not change anything');
  if (rankOf(by) < RANK[role]) throw new ProblemException(403, 'forbidden_role', `only a ${role} (or the bootstrap token) may make someone a ${role}`);
}

/**
 * Changing someone's role or status: not one's own (another person does that, so nobody locks the
 * console out by mistake), and not someone who outranks you (a coordinator cannot demote or
 * disable a treasurer).
 */
export function assertMayChange(by: AdminPrincipal, target: CoordinatorEntity, change: { role?: CoordinatorRole }): void {
  if (by.kind === 'coordinator' && by.coordinator.role === 'viewer') throw new ProblemException(403, 'forbidden_role', 'a viewer can look but not change anything');
  if (by.kind === 'coordinator' && by.coordinator.id === target.id) throw new ProblemException(403, 'cannot_change_self', 'ask another coordinator to change your own role or status');
  if (rankOf(by) < RANK[target.role]) throw new ProblemException(403, 'forbidden_role', `only a ${target.role} (or the bootstrap token) may change a ${target.role}'s account`);
  if (change.role) assertMayGrant(by, change.role);
}

/** Whom to record as the inviter. */
export const inviterOf = (by: AdminPrincipal) => (by.kind === 'bootstrap' ? 'bootstrap' : `coordinator:${by.coordinator.id}`);
export const inviterName = (by: AdminPrincipal) => (by.kind === 'bootstrap' ? 'The network’s operator' : by.coordinator.name);
