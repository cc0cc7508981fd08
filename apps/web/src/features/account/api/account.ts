import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const accountQuery = queryOptions({ queryKey: ['account'], queryFn: () => unwrap(api.GET('/members/me/account')) });
export const useAccount = () => useQuery(accountQuery);
