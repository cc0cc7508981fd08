import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const agendaQuery = queryOptions({ queryKey: ['agenda'], queryFn: () => unwrap(api.GET('/members/me/agenda')) });
export const useAgenda = () => useQuery(agendaQuery);
