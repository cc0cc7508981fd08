import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const holdingsQuery = queryOptions({ queryKey: ['holdings'], queryFn: () => unwrap(api.GET('/members/me/holdings')) });
export const useHoldings = () => useQuery(holdingsQuery);
