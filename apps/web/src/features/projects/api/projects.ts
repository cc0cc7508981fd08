import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const projectsQuery = queryOptions({ queryKey: ['public', 'projects'], queryFn: () => unwrap(api.GET('/public/projects', { params: { query: { limit: 50 } } })) });
export const useProjects = () => useQuery({ ...projectsQuery, refetchInterval: 15_000 });

export const projectQuery = (id: string) =>
  queryOptions({ queryKey: ['public', 'project', id], queryFn: () => unwrap(api.GET('/public/projects/{id}', { params: { path: { id } } })) });
/** Refreshed while a round of it is open (the live totals). */
export const useProject = (id: string) => useQuery({ ...projectQuery(id), refetchInterval: (q) => (q.state.data?.rounds.some((r) => r.status === 'open') ? 5000 : false) });
