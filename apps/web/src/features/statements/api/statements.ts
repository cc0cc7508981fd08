import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { paths } from '@/lib/api/schema';

/** What a statement page is asked for: the period (ISO instants), the page (a cursor), and the currency where there is a choice. */
export interface StatementFilter {
  currency?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

export const STATEMENT_PAGE_SIZE = 20;

type Currency = NonNullable<NonNullable<paths['/members/me/statement']['get']['parameters']['query']>['currency']>;
const query = (f: StatementFilter) => ({ ...f, currency: f.currency as Currency | undefined, limit: STATEMENT_PAGE_SIZE });

/** Whose statement: the signed-in member's own account, the account a node's paid jobs pay into (its owner's), a project's (console). */
export type StatementSource = { kind: 'member' } | { kind: 'node'; nodeId: string } | { kind: 'project'; projectId: string };

function fetchStatement(source: StatementSource, f: StatementFilter) {
  switch (source.kind) {
    case 'member':
      return unwrap(api.GET('/members/me/statement', { params: { query: query(f) } }));
    case 'node':
      return unwrap(api.GET('/members/me/nodes/{nodeId}/statement', { params: { path: { nodeId: source.nodeId }, query: query(f) } }));
    case 'project':
      return unwrap(api.GET('/admin/projects/{id}/statement', { params: { path: { id: source.projectId }, query: query(f) } }));
  }
}

/** One page of a statement; the page shown stays while the next one loads. */
export const useStatement = (source: StatementSource, f: StatementFilter) =>
  useQuery({ queryKey: ['statement', source, f], queryFn: () => fetchStatement(source, f), placeholderData: keepPreviousData });
