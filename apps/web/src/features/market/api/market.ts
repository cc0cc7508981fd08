import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api/schema';

export type MarketOverview = components['schemas']['MarketOverviewDto'];
export type MyMarket = components['schemas']['MyMarketDto'];
export type Listing = components['schemas']['ListingDto'];
export type FirstRefusalOffer = components['schemas']['FirstRefusalOfferDto'];
/** The API's currency codes; a market's currency comes from the API, so a string from it is one. */
type Currency = components['schemas']['CreateBidDto']['currency'];

/** An asset's market (public): the book as price levels, last prices, history, what it makes. A 409 market_not_open means it has none. */
export const marketQuery = (assetId: string) =>
  queryOptions({
    queryKey: ['public', 'market', assetId],
    queryFn: () => unwrap(api.GET('/public/assets/{id}/market', { params: { path: { id: assetId } } })),
    retry: false,
    refetchInterval: 15_000,
  });
export const useMarket = (assetId: string) => useQuery(marketQuery(assetId));

export const myMarketQuery = (offset: number, limit: number) =>
  queryOptions({ queryKey: ['market', 'mine', offset, limit], queryFn: () => unwrap(api.GET('/members/me/market', { params: { query: { offset, limit } } })) });
export const useMyMarket = (offset = 0, limit = 20) => useQuery(myMarketQuery(offset, limit));

/** Listings of co-owners of my assets in their first-refusal window: what I may claim now. */
export const useFirstRefusal = (enabled = true) =>
  useQuery({ queryKey: ['market', 'first-refusal'], queryFn: () => unwrap(api.GET('/members/me/market/first-refusal', { params: { query: { limit: 50 } } })), enabled });

function useMarketMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ['market'] }),
        qc.invalidateQueries({ queryKey: ['public', 'market'] }),
        qc.invalidateQueries({ queryKey: ['account'] }),
        qc.invalidateQueries({ queryKey: ['holdings'] }),
      ]),
  });
}

export interface BidBody {
  assetId: string;
  parts: bigint;
  pricePerPart: bigint;
  currency: string;
  expiresAt: string;
}

/** A bid: parts × price is held while it is open. `key` is the submission's Idempotency-Key. */
export const useBid = () =>
  useMarketMutation(({ body, key }: { body: BidBody; key: string }) =>
    unwrap(
      api.POST('/members/me/market/bids', {
        params: { header: { 'Idempotency-Key': key } },
        body: { assetId: body.assetId, parts: body.parts.toString(), pricePerPart: body.pricePerPart.toString(), currency: body.currency as Currency, expiresAt: body.expiresAt },
      }),
    ),
  );

export interface ListingBody {
  assetId: string;
  parts: bigint | null;
  pricePerPart: bigint | null;
  buyout: boolean;
  currency: string;
  expiresAt: string;
}

export const useList = () =>
  useMarketMutation(({ body, key }: { body: ListingBody; key: string }) =>
    unwrap(
      api.POST('/members/me/market/listings', {
        params: { header: { 'Idempotency-Key': key } },
        body: {
          assetId: body.assetId,
          currency: body.currency as Currency,
          expiresAt: body.expiresAt,
          ...(body.parts !== null ? { parts: body.parts.toString() } : {}),
          buyout: body.buyout,
          ...(!body.buyout && body.pricePerPart !== null ? { pricePerPart: body.pricePerPart.toString() } : {}),
        },
      }),
    ),
  );

export const useCancelListing = () => useMarketMutation((id: string) => unwrap(api.POST('/members/me/market/listings/{id}/cancel', { params: { path: { id } } })));
export const useCancelBid = () => useMarketMutation((id: string) => unwrap(api.POST('/members/me/market/bids/{id}/cancel', { params: { path: { id } } })));
export const useClaim = () =>
  useMarketMutation(({ listingId, parts }: { listingId: string; parts: bigint }) =>
    unwrap(api.POST('/members/me/market/listings/{id}/claims', { params: { path: { id: listingId } }, body: { parts: parts.toString() } })),
  );
