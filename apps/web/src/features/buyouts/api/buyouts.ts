import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api/schema';

export type MyBuyout = components['schemas']['MyBuyoutDto'];

/** The buy-out agreements I am the operator or a seller in. */
export const useMyBuyouts = (offset: number, limit: number) =>
  useQuery({ queryKey: ['buyouts', 'mine', offset, limit], queryFn: () => unwrap(api.GET('/members/me/buyouts', { params: { query: { offset, limit } } })) });
