import { createSecretKey, KeyObject } from 'node:crypto';

const keys = new Map<string, KeyObject>();

/**
 * LINK_SECRET as a key object for HS256. Given a string, jsonwebtoken first tries it as a private
 * key (PEM), fails with a thrown error, and only then makes a secret key: about 1.4 ms per link,
 * which a round's "opened" mail to 20,000 members paid 20,000 times. Made once per secret.
 */
export function linkSigningKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}
