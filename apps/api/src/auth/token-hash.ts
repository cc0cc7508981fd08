import { createHash, randomBytes } from 'node:crypto';

/** API tokens are stored only as their SHA-256 (hex); looked up by an exact index match. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new token: a readable prefix (`dpn_mbr_`, `dpn_node_`) + 32 random bytes, base64url. */
export const newToken = (prefix: string) => prefix + randomBytes(32).toString('base64url');
