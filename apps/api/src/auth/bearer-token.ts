import { TokenHolders, TokenKind, TokensRepository } from '@app/db';
import { ProblemException } from '../common/problem';
import { hashToken, newToken } from './token-hash';

/** Each kind of API token starts with its own readable prefix: `dpn_mbr_…`, `dpn_node_…`. */
export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = { member: 'dpn_mbr_', node: 'dpn_node_' };

/**
 * The one bearer-token path of the member and node APIs: `Authorization: Bearer <prefix>…` is
 * looked up by its SHA-256 (an exact index match, so no timing leak on the secret); a missing,
 * unknown or revoked token is a 401. `admit` may refuse the holder (throw). The lookup notes a
 * member token's use itself (`TokensRepository.find`). Answers the token's holder.
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
  const found = await tokens.find(kind, hashToken(match[1]));
  if (!found || found.revokedAt) throw new ProblemException(401, 'unauthorized', `the ${kind} token is not valid or was revoked`);
  admit(found.holder);
  return found.holder;
}

/** A new token for a member or a node: stored by its hash, shown to the caller once. */
export async function issueBearerToken<K extends TokenKind>(tokens: TokensRepository, kind: K, holderId: string, name: string) {
  const token = newToken(TOKEN_PREFIXES[kind]);
  const saved = await tokens.issue(kind, holderId, name, hashToken(token));
  return { saved, token };
}
