import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

/** The nodes the signed-in member owns (the "My nodes" link shows only when there is one). */
export const myNodesQuery = queryOptions({ queryKey: ['operator', 'nodes'], queryFn: () => unwrap(api.GET('/members/me/nodes')), staleTime: 30_000 });
export const useMyNodes = (enabled = true) => useQuery({ ...myNodesQuery, enabled });

const nodeKey = (nodeId: string) => ['operator', 'node', nodeId] as const;
const path = (nodeId: string) => ({ path: { nodeId } });
const jobPath = (nodeId: string, id: string) => ({ path: { nodeId, id } });

export const useNode = (nodeId: string) => useQuery({ queryKey: [...nodeKey(nodeId), 'record'], queryFn: () => unwrap(api.GET('/members/me/nodes/{nodeId}', { params: path(nodeId) })) });

/** The node's work; refreshed every few seconds (offers arrive and expire on their own). */
export const useNodeWork = (nodeId: string) =>
  useQuery({ queryKey: [...nodeKey(nodeId), 'work'], queryFn: () => unwrap(api.GET('/members/me/nodes/{nodeId}/work', { params: path(nodeId) })), refetchInterval: 5000 });

export const useAttempts = (nodeId: string, page: number, pageSize = 20) =>
  useQuery({
    queryKey: [...nodeKey(nodeId), 'attempts', page],
    queryFn: () => unwrap(api.GET('/members/me/nodes/{nodeId}/webhook/attempts', { params: { ...path(nodeId), query: { limit: pageSize, offset: page * pageSize } } })),
    refetchInterval: 10_000,
  });

export const useTokens = (nodeId: string) => useQuery({ queryKey: [...nodeKey(nodeId), 'tokens'], queryFn: () => unwrap(api.GET('/members/me/nodes/{nodeId}/tokens', { params: path(nodeId) })) });

/** Every change refreshes what the node's pages show (and the list's counts). */
function useNodeMutation<A, R>(nodeId: string, fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: nodeKey(nodeId) }), qc.invalidateQueries({ queryKey: myNodesQuery.queryKey })]) });
}

export type OfferAnswer =
  | { kind: 'accept'; jobId: string; offerId: string }
  | { kind: 'reject'; jobId: string; offerId: string; reason: string }
  | { kind: 'counter'; jobId: string; offerId: string; dueAt?: string; quantity?: number; note?: string; price?: string };

export const useAnswerOffer = (nodeId: string) =>
  useNodeMutation(nodeId, (a: OfferAnswer) => {
    const params = jobPath(nodeId, a.jobId);
    if (a.kind === 'accept') return unwrap(api.POST('/members/me/nodes/{nodeId}/jobs/{id}/accept', { params, body: { offerId: a.offerId } }));
    if (a.kind === 'reject') return unwrap(api.POST('/members/me/nodes/{nodeId}/jobs/{id}/reject', { params, body: { offerId: a.offerId, reason: a.reason } }));
    return unwrap(api.POST('/members/me/nodes/{nodeId}/jobs/{id}/counter', { params, body: { offerId: a.offerId, dueAt: a.dueAt, quantity: a.quantity, note: a.note, price: a.price } }));
  });

export const useReportProgress = (nodeId: string) =>
  useNodeMutation(nodeId, (a: { jobId: string; percent: number; note?: string }) =>
    unwrap(api.POST('/members/me/nodes/{nodeId}/jobs/{id}/progress', { params: jobPath(nodeId, a.jobId), body: { percent: a.percent, note: a.note } })),
  );

export const useCompleteJob = (nodeId: string) =>
  useNodeMutation(nodeId, (a: { jobId: string; made: number; scrapped: number; documents: Array<{ title: string; url: string }> }) =>
    unwrap(
      api.POST('/members/me/nodes/{nodeId}/jobs/{id}/complete', {
        params: jobPath(nodeId, a.jobId),
        body: { made: a.made, scrapped: a.scrapped, ...(a.documents.length ? { documents: a.documents } : {}) },
      }),
    ),
  );

export const useSetWebhook = (nodeId: string) =>
  useNodeMutation(nodeId, (webhookUrl: string) => unwrap(api.PATCH('/members/me/nodes/{nodeId}/webhook', { params: path(nodeId), body: { webhookUrl } })));

export const usePing = (nodeId: string) => useNodeMutation(nodeId, () => unwrap(api.POST('/members/me/nodes/{nodeId}/webhook/ping', { params: path(nodeId) })));

export const useRotateSecret = (nodeId: string) => useNodeMutation(nodeId, () => unwrap(api.POST('/members/me/nodes/{nodeId}/webhook/secret/rotate', { params: path(nodeId) })));

export const useIssueToken = (nodeId: string) => useNodeMutation(nodeId, (name: string) => unwrap(api.POST('/members/me/nodes/{nodeId}/tokens', { params: path(nodeId), body: { name } })));

export const useRevokeToken = (nodeId: string) =>
  useNodeMutation(nodeId, (tokenId: string) => unwrap(api.DELETE('/members/me/nodes/{nodeId}/tokens/{tokenId}', { params: { path: { nodeId, tokenId } } })));
