import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { SchemaCoordinatorDto } from '@/lib/api/schema';

export type Role = SchemaCoordinatorDto['role'];
export const ROLES: Role[] = ['viewer', 'coordinator', 'treasurer'];
export const ROLE_WORDS: Record<Role, string> = {
  viewer: 'Viewer: sees everything, changes nothing',
  coordinator: 'Coordinator: runs projects, rounds, jobs and the registry',
  treasurer: 'Treasurer: a coordinator who also approves payouts and ledger postings',
};

/** Who is using the console: the bootstrap token or a coordinator, with the role. */
export const useWhoAmI = (enabled = true) => useQuery({ queryKey: ['console', 'me'], queryFn: () => unwrap(api.GET('/admin/coordinators/me')), enabled, staleTime: 30_000 });

export const useCoordinators = () => useQuery({ queryKey: ['console', 'people'], queryFn: () => unwrap(api.GET('/admin/coordinators')) });

function usePeopleMutation<A, R>(fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'people'] }) });
}

export const useInvite = () => usePeopleMutation((body: { name: string; email: string; role: Role }) => unwrap(api.POST('/admin/coordinators', { body })));
export const useUpdateCoordinator = () =>
  usePeopleMutation(({ id, ...body }: { id: string; role?: Role; status?: 'active' | 'disabled' }) => unwrap(api.PATCH('/admin/coordinators/{id}', { params: { path: { id } }, body })));
export const useResendInvitation = () => usePeopleMutation((id: string) => unwrap(api.POST('/admin/coordinators/{id}/invitation', { params: { path: { id } } })));

export const useMyTokens = (enabled: boolean) => useQuery({ queryKey: ['console', 'tokens'], queryFn: () => unwrap(api.GET('/admin/coordinators/me/tokens')), enabled });

function useTokenMutation<A, R>(fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'tokens'] }) });
}
export const useCreateToken = () => useTokenMutation((name: string) => unwrap(api.POST('/admin/coordinators/me/tokens', { body: { name } })));
export const useRevokeToken = () => useTokenMutation((tokenId: string) => unwrap(api.DELETE('/admin/coordinators/me/tokens/{tokenId}', { params: { path: { tokenId } } })));

export interface AuditFilters {
  actor?: string;
  route?: string;
  resource?: string;
  outcome?: 'ok' | 'refused';
  from?: string;
  to?: string;
}

export const AUDIT_PAGE = 50;

/** The audit trail, newest first, a page at a time (the next page follows the cursor of the last). */
export const useAudit = (filters: AuditFilters) =>
  useInfiniteQuery({
    queryKey: ['console', 'audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => unwrap(api.GET('/admin/audit', { params: { query: { ...filters, cursor: pageParam, limit: AUDIT_PAGE } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
