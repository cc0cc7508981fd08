import type { FoundToken } from '@app/db';

/** How long a verified member token is believed without asking PostgreSQL again. */
export const VERIFIED_TOKEN_TTL_MS = 5_000;
/** How many verified tokens are kept at most (the least recently used go first). */
export const VERIFIED_TOKEN_MAX = 10_000;

/**
 * Member tokens this API process verified in the last few seconds, by their SHA-256: a crowd of
 * pledges makes every request a token lookup (one more round trip each), while a backer's tokens
 * change rarely. Bounded (least recently used out first) and short-lived (`VERIFIED_TOKEN_TTL_MS`).
 *
 * Staleness accepted: a token revoked, or a member suspended, by *another* API process (or straight
 * in the database) is still taken here for at most the TTL. This process forgets everything it
 * verified the moment it revokes a token or changes a member itself (`forgetAll`), so its own
 * answers are never stale. Only bearer tokens are kept: the web app's sessions, which expire and are
 * signed out, are read from PostgreSQL on every request.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { found: FoundToken<'member'>; until: number }>();
  /** Moves on at every `forgetAll`: a lookup begun before it must not be kept after it. */
  private generation = 0;

  constructor(
    private readonly ttlMs = VERIFIED_TOKEN_TTL_MS,
    private readonly max = VERIFIED_TOKEN_MAX,
    private readonly now: () => number = Date.now,
  ) {}

  get(tokenHash: string): FoundToken<'member'> | undefined {
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    this.entries.delete(tokenHash);
    if (e.until <= this.now()) return undefined;
    this.entries.set(tokenHash, e); // most recently used last
    return e.found;
  }

  /** The generation to pass to `set` for a lookup that starts now. */
  get current(): number {
    return this.generation;
  }

  /**
   * Keeps a token found valid (never a revoked one, never a refused holder: the caller checks
   * first), unless something was forgotten since its lookup began (`generation`).
   */
  set(tokenHash: string, found: FoundToken<'member'>, generation: number): void {
    if (generation !== this.generation) return;
    this.entries.delete(tokenHash);
    this.entries.set(tokenHash, { found, until: this.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Forgets every token: called when this process revokes a token or changes a member. */
  forgetAll(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The one cache of this process (the guards are instantiated per module; the cache is shared). */
export const verifiedMemberTokens = new VerifiedTokens();
