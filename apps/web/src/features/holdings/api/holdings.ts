import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const holdingsQuery = queryOptions({ queryKey: ['holdings'], queryFn: () => unwrap(api.GET('/members/me/holdings')) });
export const useHoldings = () => useQuery(holdingsQuery);

/** My part of each quarter's income of the assets I co-own, newest first. */
export const useMyDistributions = (offset: number, limit: number) =>
  useQuery({ queryKey: ['distributions', offset, limit], queryFn: () => unwrap(api.GET('/members/me/distributions', { params: { query: { limit, offset } } })) });
