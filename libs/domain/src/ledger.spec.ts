import fc from 'fast-check';
import { AccountState, assertBalanced, assertPostable, LedgerError, movement } from './ledger';
import { formatMoney, parseMinorUnits } from './money';

describe('ledger rules', () => {
  it('any sequence of accepted movements keeps the books balanced and member accounts non-negative (property)', () => {
    const ids = ['ext', 'm1', 'm2', 'm3', 'proj'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: fc.constantFrom(...ids), to: fc.constantFrom(...ids), amount: fc.bigInt({ min: 1n, max: 10_000n }) }), { maxLength: 60 }),
        (moves) => {
          const accounts = new Map<string, AccountState>(
            ids.map((id) => [id, { id, kind: id === 'ext' ? 'external' : id === 'proj' ? 'project' : 'member', currency: 'EUR', balance: 0n }]),
          );
          for (const m of moves) {
            const entries = movement(m.from, m.to, m.amount);
            try {
              assertPostable(entries, accounts, 'EUR');
            } catch (e) {
              expect(e).toBeInstanceOf(LedgerError);
              continue;
            }
            for (const e of entries) accounts.get(e.accountId)!.balance += e.amount;
          }
          const all = [...accounts.values()];
          expect(all.reduce((s, a) => s + a.balance, 0n)).toBe(0n);
          expect(all.filter((a) => a.kind !== 'external').every((a) => a.balance >= 0n)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects unbalanced, empty, zero and self-referencing transactions', () => {
    expect(() => assertBalanced([{ accountId: 'a', amount: 5n }, { accountId: 'b', amount: -4n }])).toThrow('entries sum to 1, not to zero');
    expect(() => assertBalanced([{ accountId: 'a', amount: 0n }, { accountId: 'b', amount: 0n }])).toThrow('cannot be zero');
    expect(() => assertBalanced(movement('a', 'a', 5n))).toThrow('appears twice');
    expect(() => assertBalanced([])).toThrow('at least two entries');
  });

  it('says whose account refused, in words, never its internal id (members read these)', () => {
    const memberId = '3f1c2a9e-8d4b-4c55-9a1e-2b7d6c0e4f11';
    const escrowId = '9b0e7d6c-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
    const accounts = new Map<string, AccountState>([
      [memberId, { id: memberId, kind: 'member', currency: 'EUR', balance: 300n }],
      [escrowId, { id: escrowId, kind: 'escrow', currency: 'EUR', balance: 0n }],
    ]);
    const refusal = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        return (e as LedgerError).message;
      }
      throw new Error('expected a refusal');
    };
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-/i;
    const broke = refusal(() => assertPostable(movement(memberId, escrowId, 400n), accounts, 'EUR'));
    expect(broke).toBe("the member's account holds 300 and cannot pay 400 (EUR minor units)");
    const currency = refusal(() => assertPostable(movement(memberId, escrowId, 1n), accounts, 'USD'));
    expect(currency).toBe("the member's account holds EUR, not USD");
    const twice = refusal(() => assertBalanced(movement(memberId, memberId, 1n)));
    for (const m of [broke, currency, twice]) expect(m).not.toMatch(uuid);
  });

  it('parses minor units exactly and formats them', () => {
    expect(parseMinorUnits('900719925474099312')).toBe(900719925474099312n);
    expect(parseMinorUnits(12.5)).toBeUndefined();
    expect(parseMinorUnits('1e3')).toBeUndefined();
    expect(parseMinorUnits('007')).toBeUndefined();
    expect(parseMinorUnits(2 ** 53)).toBeUndefined();
    expect(formatMoney(12550n, 'EUR')).toBe('125.50 EUR');
    expect(formatMoney(5n, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(-1200n, 'JPY')).toBe('-1200 JPY');
  });
});
