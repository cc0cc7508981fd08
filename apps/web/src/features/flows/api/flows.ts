import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { SchemaFlowDto, SchemaFlowListItemDto, SchemaHandoffDto, SchemaLotTraceDto, SchemaRecipeDto, SchemaRecipeRecordDto } from '@/lib/api/schema';
import type { HandoffAnswerBody } from '../handoff-rules';

/**
 * Production flows over the API: the console's flows, lot traces and recipes (`/admin/…`), and a
 * member's hand-offs to answer, lots and flows (`/members/me/…`). A running flow refreshes every
 * 5 s (its steps, legs and hand-offs move on their own); the hand-offs waiting for me every 15 s.
 */

export type FlowView = SchemaFlowDto;
export type FlowListItem = SchemaFlowListItemDto;
export type HandoffView = SchemaHandoffDto;
export type LotTraceView = SchemaLotTraceDto;
export type RecipeBody = SchemaRecipeDto;
export type RecipeRecord = SchemaRecipeRecordDto;

const running = (f: FlowView | undefined) => (f && f.status === 'running' ? 5000 : false);

// --- Console ---------------------------------------------------------------------------------

export const useConsoleFlow = (id: string) =>
  useQuery({ queryKey: ['console', 'flow', id], queryFn: () => unwrap(api.GET('/admin/flows/{id}', { params: { path: { id } } })), refetchInterval: (q) => running(q.state.data) });

/** The flows of a project (a demand), newest first. */
export const useProjectFlows = (projectId: string, page: number, size: number) =>
  useQuery({
    queryKey: ['console', 'flows', 'project', projectId, page],
    queryFn: () => unwrap(api.GET('/admin/flows', { params: { query: { demandType: 'project', demandId: projectId, offset: page * size, limit: size } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });

export const useCancelFlow = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) => unwrap(api.POST('/admin/flows/{id}/cancel', { params: { path: { id } }, body: { reason } })),
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: ['console', 'flow'] }), qc.invalidateQueries({ queryKey: ['console', 'flows'] })]),
  });
};

export const useConsoleLotTrace = (id: string) => useQuery({ queryKey: ['console', 'lot', id], queryFn: () => unwrap(api.GET('/admin/lots/{id}/trace', { params: { path: { id } } })) });

/** A saved recipe: the console's flow diagram takes its steps' inputs from it when the flow's view has none. */
export const useRecipe = (id: string | null | undefined, enabled = true) =>
  useQuery({ queryKey: ['console', 'recipe', id], queryFn: () => unwrap(api.GET('/admin/recipes/{id}', { params: { path: { id: id! } } })), enabled: !!id && enabled, staleTime: Infinity });

export const useRecipes = (page: number, size: number) =>
  useQuery({
    queryKey: ['console', 'recipes', page],
    queryFn: () => unwrap(api.GET('/admin/recipes', { params: { query: { offset: page * size, limit: size } } })),
    placeholderData: keepPreviousData,
  });

/** Checks a recipe without saving it: its problems, none when it is valid. */
export const validateRecipe = (recipe: RecipeBody) => unwrap(api.POST('/admin/recipes/validate', { body: recipe }));

export const useSaveRecipe = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ recipe, key }: { recipe: RecipeBody; key: string }) => unwrap(api.POST('/admin/recipes', { params: { header: { 'Idempotency-Key': key } }, body: recipe })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['console', 'recipes'] }),
  });
};

// --- Members -----------------------------------------------------------------------------------

/** Hand-offs I answer: to me, to a pickup point I keep, to the nodes I own (pending first). */
export const useMyHandoffs = (status: 'pending' | 'accepted' | 'rejected' | undefined, page: number, size: number) =>
  useQuery({
    queryKey: ['handoffs', 'mine', status ?? 'all', page],
    queryFn: () => unwrap(api.GET('/members/me/handoffs', { params: { query: { ...(status ? { status } : {}), offset: page * size, limit: size } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });

export const useAnswerMyHandoff = () => {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: HandoffAnswerBody }) => unwrap(api.POST('/members/me/handoffs/{id}/answer', { params: { path: { id } }, body })),
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: ['handoffs'] }), qc.invalidateQueries({ queryKey: ['lots'] })]),
  });
};

export const useMyLotTrace = (id: string) => useQuery({ queryKey: ['lots', 'mine', id], queryFn: () => unwrap(api.GET('/members/me/lots/{id}/trace', { params: { path: { id } } })) });

export const useMyFlow = (id: string) =>
  useQuery({ queryKey: ['flows', 'mine', id], queryFn: () => unwrap(api.GET('/members/me/flows/{id}', { params: { path: { id } } })), refetchInterval: (q) => running(q.state.data) });
