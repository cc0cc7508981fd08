import { Logger } from '@nestjs/common';
import { FoundToken, TokenHolders, TokenKind, TokensRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { hashToken, newToken } from './token-hash';
import { verifiedMemberTokens } from './verified-tokens';

/** Each kind of API token starts with its own readable prefix: `dpn_mbr_…`, `dpn_node_…`. */
export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = { member: 'dpn_mbr_', node: 'dpn_node_' };

/** Kinds of token whose last use is noted (coarsely: at most once a minute, so reads rarely write). */
const TRACKS_USE: Readonly<Record<TokenKind, boolean>> = { member: true, node: false };
const USE_RESOLUTION_MS = 60_000;

/** How long a token's use waits to be written with others'. */
export const TOKEN_USE_BATCH_MS = 1_000;

/**
 * The uses of member tokens, written a batch at a time (one UPDATE a second at most) and not in the
 * request: a crowd of backers pledging once each would otherwise add a write and a commit to every
 * pledge. `last_used_at` is coarse anyway (a minute); a use noted less than a second before the
 * process stops may be lost.
 */
class TokenUses {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private repo: TokensRepository | null = null;

  note(tokens: TokensRepository, tokenId: string): void {
    this.repo = tokens;
    this.pending.add(tokenId);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), TOKEN_USE_BATCH_MS);
      this.timer.unref(); // never keeps a process (or a test) alive
    }
  }

  /** Writes the uses waiting; a failure is logged, never thrown (it is only the time of last use). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = [...this.pending];
    this.pending = new Set();
    if (ids.length === 0 || !this.repo) return;
    try {
      await this.repo.markManyUsed(ids);
    } catch (err) {
      new Logger('Tokens').warn(`last use of ${ids.length} member tokens not noted: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
export const tokenUses = new TokenUses();

/**
 * The one bearer-token path of the member and node APIs: `Authorization: Bearer <prefix>…` is
 * looked up by its SHA-256 (an exact index match, so no timing leak on the secret); a missing,
 * unknown or revoked token is a 401. `admit` may refuse the holder (throw) before the use is
 * noted. Answers the token's holder.
 */
export async function bearerTokenHolder<K extends TokenKind>(
  tokens: TokensRepository,
  kind: K,
  authorization: string | undefined,
  admit: (holder: TokenHolders[K]) => void = () => undefined,
): Promise<TokenHolders[K]> {
  const prefix = TOKEN_PREFIXES[kind];
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match || !match[1].startsWith(prefix)) throw new ProblemException(401, 'unauthorized', `a ${kind} token is required: send Authorization: Bearer ${prefix}…`);
  const hash = hashToken(match[1]);
  // Member tokens verified in the last seconds are believed (see VerifiedTokens for the staleness).
  const cache = kind === 'member' ? verifiedMemberTokens : undefined;
  const generation = cache?.current ?? 0;
  const cached = cache?.get(hash) as FoundToken<K> | undefined;
  const found = cached ?? (await tokens.find(kind, hash));
  if (!found || found.revokedAt) throw new ProblemException(401, 'unauthorized', `the ${kind} token is not valid or was revoked`);
  admit(found.holder);
  if (cache && !cached) cache.set(hash, found as FoundToken<'member'>, generation);
  if (TRACKS_USE[kind] && (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > USE_RESOLUTION_MS)) {
    found.lastUsedAt = new Date();
    tokenUses.note(tokens, found.tokenId);
  }
  return found.holder;
}

/** A new token for a member or a node: stored by its hash, shown to the caller once. */
export async function issueBearerToken<K extends TokenKind>(tokens: TokensRepository, kind: K, holderId: string, name: string) {
  const token = newToken(TOKEN_PREFIXES[kind]);
  const saved = await tokens.issue(kind, holderId, name, hashToken(token));
  return { saved, token };
}
