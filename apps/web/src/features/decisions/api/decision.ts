import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const decisionQuery = (id: string) =>
  queryOptions({ queryKey: ['decision', id], queryFn: () => unwrap(api.GET('/members/me/decisions/{id}', { params: { path: { id } } })) });

export const useDecision = (id: string) => useQuery(decisionQuery(id));

export function useAnswerDecision(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { option: string; comment?: string }) => unwrap(api.POST('/members/me/decisions/{id}/answer', { params: { path: { id } }, body: a })),
    onSuccess: (d) => {
      qc.setQueryData(decisionQuery(id).queryKey, d);
      return qc.invalidateQueries({ queryKey: ['agenda'] });
    },
  });
}
