import { randomBytes } from 'node:crypto';

/**
 * A hold token names the hold and proves its owner got it from HoldSlot:
 * `<hold id>.<secret>`, the secret 128 random bits.
 */
export interface HoldToken {
  holdId: string;
  secret: string;
}

const TOKEN = /^([0-9a-f]{24})\.([A-Za-z0-9_-]{22})$/;

export const newHoldSecret = (): string => randomBytes(16).toString('base64url');

export const formatHoldToken = (t: HoldToken): string => `${t.holdId}.${t.secret}`;

export function parseHoldToken(token: string): HoldToken | null {
  const m = TOKEN.exec(token);
  return m ? { holdId: m[1]!, secret: m[2]! } : null;
}
