import { percentOf } from '@/lib/money';

export const BUYOUT_STATUS: Record<string, string> = { active: 'active', paused: 'paused', completed: 'completed', ended: 'ended by agreement' };

/**
 * How far the operator is on the way to the target, from where the agreement leaves them to buy:
 * bought / (bought + still to buy), integer percent (no floats in the parts).
 */
export function buyoutProgress(a: { partsBought: string; claimParts: string; operatorParts: string; targetParts: string; status: string }): { percent: number; words: string } {
  const bought = BigInt(a.partsBought);
  const left = BigInt(a.claimParts);
  const percent = a.status === 'completed' ? 100 : percentOf(bought, bought + left);
  const words =
    a.status === 'completed'
      ? `Complete: the operator owns ${a.operatorParts} parts, the target.`
      : `${bought} parts bought, ${left} still to buy (${percent} %): the operator owns ${a.operatorParts} of the ${a.targetParts} parts targeted.`;
  return { percent, words };
}
