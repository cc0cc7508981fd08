import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

export const orderWindowQuery = (assetId: string) =>
  queryOptions({ queryKey: ['order-window', assetId], queryFn: () => unwrap(api.GET('/members/me/assets/{id}/order-window', { params: { path: { id: assetId } } })) });

export const useOrderWindow = (assetId: string) => useQuery(orderWindowQuery(assetId));

export interface OrderRequest {
  lines: Array<{ productId: string; quantity: number }>;
  standing: boolean;
}

/** Places (replaces) the member's order; the page then reads its own order back from the order window. */
export async function placeOrder(assetId: string, order: OrderRequest): Promise<void> {
  await unwrap(api.POST('/members/me/assets/{id}/orders', { params: { path: { id: assetId } }, body: order }));
}

export function usePlaceOrder(assetId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (o: OrderRequest) => placeOrder(assetId, o),
    onSuccess: () => Promise.all([qc.invalidateQueries(orderWindowQuery(assetId)), qc.invalidateQueries({ queryKey: ['agenda'] })]),
  });
}
