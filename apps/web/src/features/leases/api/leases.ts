import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api/schema';

export type Lease = components['schemas']['LeaseDto'];

export const useMyLeases = (offset: number, limit: number) =>
  useQuery({ queryKey: ['leases', 'mine', offset, limit], queryFn: () => unwrap(api.GET('/members/me/leases', { params: { query: { offset, limit } } })) });

/** One lease with its quarters and its requests. */
export const useLease = (id: string) => useQuery({ queryKey: ['leases', 'one', id], queryFn: () => unwrap(api.GET('/members/me/leases/{id}', { params: { path: { id } } })) });

function useLeaseMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: ['leases'] }), qc.invalidateQueries({ queryKey: ['account'] })]) });
}

export interface ProposeLeaseBody {
  assetId: string;
  lesseeMemberId: string;
  parts: bigint;
  firstQuarter: string;
  quarters: number;
  price: bigint;
  currency: string;
  payment: 'upfront' | 'quarterly';
}

export const useProposeLease = () =>
  useLeaseMutation(({ body, key }: { body: ProposeLeaseBody; key: string }) =>
    unwrap(
      api.POST('/members/me/leases', {
        params: { header: { 'Idempotency-Key': key } },
        body: { ...body, parts: body.parts.toString(), price: body.price.toString() } as components['schemas']['ProposeLeaseDto'],
      }),
    ),
  );

export const useAnswerLease = () =>
  useLeaseMutation(({ id, accept }: { id: string; accept: boolean }) => unwrap(api.POST('/members/me/leases/{id}/answer', { params: { path: { id } }, body: { accept } })));

export const useLeaseRequest = () =>
  useLeaseMutation(({ id, kind, quarters, price }: { id: string; kind: 'renew' | 'end'; quarters?: number; price?: bigint }) =>
    unwrap(
      api.POST('/members/me/leases/{id}/requests', {
        params: { path: { id } },
        body: { kind, ...(kind === 'renew' ? { quarters, price: price?.toString() } : {}) } as components['schemas']['LeaseRequestDto'],
      }),
    ),
  );

export const useAnswerLeaseRequest = () =>
  useLeaseMutation(({ id, requestId, accept }: { id: string; requestId: string; accept: boolean }) =>
    unwrap(api.POST('/members/me/leases/{id}/requests/{requestId}/answer', { params: { path: { id, requestId } }, body: { accept } })),
  );
