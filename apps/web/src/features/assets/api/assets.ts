import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const assetsQuery = queryOptions({ queryKey: ['public', 'assets'], queryFn: () => unwrap(api.GET('/public/assets', { params: { query: { limit: 50 } } })) });
export const useAssets = () => useQuery(assetsQuery);

export const assetQuery = (id: string) =>
  queryOptions({ queryKey: ['public', 'asset', id], queryFn: () => unwrap(api.GET('/public/assets/{id}', { params: { path: { id } } })) });
export const useAsset = (id: string) => useQuery(assetQuery(id));
