import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api/schema';

type Currency = NonNullable<NonNullable<paths['/members/me/statement']['get']['parameters']['query']>['currency']>;

export const accountQuery = queryOptions({ queryKey: ['account'], queryFn: () => unwrap(api.GET('/members/me/account')) });
export const useAccount = () => useQuery(accountQuery);

export const PAGE_SIZE = 20;

export const statementQuery = (currency: string, page: number) =>
  queryOptions({
    queryKey: ['account', 'statement', currency, page],
    queryFn: () => unwrap(api.GET('/members/me/statement', { params: { query: { currency: currency as Currency, limit: PAGE_SIZE, offset: page * PAGE_SIZE } } })),
  });

export const useStatement = (currency: string, page: number) => useQuery({ ...statementQuery(currency, page), placeholderData: keepPreviousData });
