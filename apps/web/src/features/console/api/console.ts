import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { SchemaConsoleAccountDto, SchemaConsoleRoundDto } from '@/lib/api/schema';

/** The console's reads refresh on their own: the board and the rounds every 5 s, the network every 15 s. */

export const networkQuery = queryOptions({ queryKey: ['console', 'network'], queryFn: () => unwrap(api.GET('/admin/console/network', { params: { query: { limit: 500 } } })) });
export const useNetwork = () => useQuery({ ...networkQuery, refetchInterval: 15_000 });

export const useJobBoard = () => useQuery({ queryKey: ['console', 'board'], queryFn: () => unwrap(api.GET('/admin/console/job-board', { params: { query: { perColumn: 20 } } })), refetchInterval: 5000 });

export type RoundStatusFilter = SchemaConsoleRoundDto['status'];

export const useRounds = (status: RoundStatusFilter | undefined, page: number, pageSize = 20) =>
  useQuery({
    queryKey: ['console', 'rounds', status ?? 'all', page],
    queryFn: () => unwrap(api.GET('/admin/console/rounds', { params: { query: { status, limit: pageSize, offset: page * pageSize } } })),
    refetchInterval: 5000,
  });

export type AccountKindFilter = SchemaConsoleAccountDto['kind'];

export const useAccounts = (kind: AccountKindFilter | undefined, page: number, pageSize = 50) =>
  useQuery({
    queryKey: ['console', 'accounts', kind ?? 'all', page],
    queryFn: () => unwrap(api.GET('/admin/console/ledger/accounts', { params: { query: { kind, limit: pageSize, offset: page * pageSize } } })),
    refetchInterval: 15_000,
  });

function useRoundAction<A>(fn: (a: A) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'rounds'] }) });
}

export const useApprovePayout = () => useRoundAction((roundId: string) => unwrap(api.POST('/admin/rounds/{id}/payout/approve', { params: { path: { id: roundId } } })));

export const useCancelRound = () => useRoundAction((a: { roundId: string; reason: string }) => unwrap(api.POST('/admin/rounds/{id}/cancel', { params: { path: { id: a.roundId } }, body: { reason: a.reason } })));
