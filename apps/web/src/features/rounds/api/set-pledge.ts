import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { roundQuery } from './get-round';

/** "My pledge is now X" (0 withdraws). Only the pledge response's constant-size fields are used. */
export async function setPledge(roundId: string, amount: bigint) {
  const r = await unwrap(api.POST('/members/me/rounds/{id}/pledge', { params: { path: { id: roundId } }, body: { amount: amount.toString() } }));
  return { total: r.total, currency: r.currency, goal: r.goal, backers: r.backers };
}

export function useSetPledge(roundId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (amount: bigint) => setPledge(roundId, amount),
    onSettled: () => Promise.all([qc.invalidateQueries(roundQuery(roundId)), qc.invalidateQueries({ queryKey: ['agenda'] }), qc.invalidateQueries({ queryKey: ['account'] })]),
  });
}
