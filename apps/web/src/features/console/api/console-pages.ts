import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { ApiProblem } from '@/lib/problem';

/**
 * The console's further reads, one hook per call, each a page at a time. Backers refresh with the
 * rounds (5 s); the rest every 15–30 s, as the network and the ledger do.
 */

const page = (n: number, size: number) => ({ limit: size, offset: n * size });
const keep = { placeholderData: keepPreviousData };

export const useBackers = (roundId: string, n: number, size: number, enabled: boolean) =>
  useQuery({
    queryKey: ['console', 'backers', roundId, n],
    queryFn: () => unwrap(api.GET('/admin/console/rounds/{id}/backers', { params: { path: { id: roundId }, query: page(n, size) } })),
    refetchInterval: 5000,
    enabled,
    ...keep,
  });

export const useConsoleAssets = (n: number, size: number) =>
  useQuery({ queryKey: ['console', 'assets', n], queryFn: () => unwrap(api.GET('/admin/console/assets', { params: { query: page(n, size) } })), refetchInterval: 30_000, ...keep });

export const useConsoleAsset = (id: string) =>
  useQuery({ queryKey: ['console', 'asset', id], queryFn: () => unwrap(api.GET('/admin/console/assets/{id}', { params: { path: { id } } })), refetchInterval: 30_000 });

export const useAssetOwners = (id: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'owners', n, size],
    queryFn: () => unwrap(api.GET('/admin/console/assets/{id}/owners', { params: { path: { id }, query: page(n, size) } })),
    refetchInterval: 30_000,
    ...keep,
  });

export const useAssetTransfers = (id: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'transfers', n],
    queryFn: () => unwrap(api.GET('/admin/console/assets/{id}/transfers', { params: { path: { id }, query: page(n, size) } })),
    ...keep,
  });

export const useAssetMovements = (id: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'movements', n],
    queryFn: () => unwrap(api.GET('/admin/console/assets/{id}/movements', { params: { path: { id }, query: page(n, size) } })),
    ...keep,
  });

export const useStatement = (accountId: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'statement', accountId, n],
    queryFn: () => unwrap(api.GET('/admin/console/ledger/accounts/{id}/statement', { params: { path: { id: accountId }, query: page(n, size) } })),
    refetchInterval: 15_000,
    ...keep,
  });

/**
 * Downloads an account's statement as CSV through the API client (so that the bootstrap token is
 * sent too, which a plain link cannot), and hands it to the browser as a file.
 */
export async function downloadStatementCsv(accountId: string): Promise<string> {
  const { data, error, response } = await api.GET('/admin/console/ledger/accounts/{id}/statement.csv', { params: { path: { id: accountId } }, parseAs: 'text' });
  if (!response.ok || error !== undefined) throw ApiProblem.from(response.status, error);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'statement.csv';
  const url = URL.createObjectURL(new Blob([data as string], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export const useConsoleMembers = (q: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'members', q, n],
    queryFn: () => unwrap(api.GET('/admin/console/members', { params: { query: { ...page(n, size), q: q || undefined } } })),
    refetchInterval: 30_000,
    ...keep,
  });

export const useConsoleLocations = (n: number, size: number) =>
  useQuery({ queryKey: ['console', 'locations', n], queryFn: () => unwrap(api.GET('/admin/console/locations', { params: { query: page(n, size) } })), refetchInterval: 30_000, ...keep });

export type DecisionStatusFilter = 'open' | 'closing' | 'decided' | 'defaulted' | 'undecided' | 'cancelled';

export const useConsoleDecisions = (status: DecisionStatusFilter | undefined, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'decisions', status ?? 'all', n],
    queryFn: () => unwrap(api.GET('/admin/console/decisions', { params: { query: { ...page(n, size), status } } })),
    refetchInterval: 15_000,
    ...keep,
  });

export const useVoters = (id: string, answered: boolean | undefined, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'voters', id, answered ?? 'all', n],
    queryFn: () => unwrap(api.GET('/admin/console/decisions/{id}/voters', { params: { path: { id }, query: { ...page(n, size), answered } } })),
    refetchInterval: 15_000,
    ...keep,
  });

export type OutboxStatusFilter = 'queued' | 'sending' | 'sent' | 'rejected' | 'failed';

export const useOutbox = (status: OutboxStatusFilter | undefined, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'mail', status ?? 'all', n],
    queryFn: () => unwrap(api.GET('/admin/console/mail', { params: { query: { ...page(n, size), status } } })),
    refetchInterval: 15_000,
    ...keep,
  });

export const useWebhookAttempts = (nodeId: string | null, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'webhooks', nodeId, n],
    queryFn: () => unwrap(api.GET('/admin/nodes/{id}/webhook-attempts', { params: { path: { id: nodeId! }, query: page(n, size) } })),
    enabled: !!nodeId,
    refetchInterval: 15_000,
    ...keep,
  });

/** An asset's sales of its output, newest first. */
export const useAssetSales = (id: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'sales', n],
    queryFn: () => unwrap(api.GET('/admin/assets/{id}/sales', { params: { path: { id }, query: page(n, size) } })),
    ...keep,
  });

/** An asset's quarters whose income was shared among the owners, newest first. */
export const useAssetDistributions = (id: string, n: number, size: number) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'distributions', n],
    queryFn: () => unwrap(api.GET('/admin/assets/{id}/distributions', { params: { path: { id }, query: page(n, size) } })),
    ...keep,
  });

/** One distribution's lines: every owner's amount and why. */
export const useDistributionLines = (id: string, quarter: string, n: number, size: number, enabled: boolean) =>
  useQuery({
    queryKey: ['console', 'asset', id, 'distribution', quarter, n],
    queryFn: () => unwrap(api.GET('/admin/assets/{id}/distributions/{quarter}', { params: { path: { id, quarter }, query: page(n, size) } })),
    enabled,
    ...keep,
  });
