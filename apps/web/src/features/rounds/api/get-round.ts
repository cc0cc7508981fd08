import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const roundQuery = (id: string) =>
  queryOptions({ queryKey: ['round', id], queryFn: () => unwrap(api.GET('/members/me/rounds/{id}', { params: { path: { id } } })) });

/** The round page's data, refreshed every few seconds while the round is open (the live total). */
export const useRound = (id: string) => useQuery({ ...roundQuery(id), refetchInterval: (q) => (q.state.data?.status === 'open' ? 5000 : false) });
