/**
 * The seam for a payment provider. Money enters and leaves the network only through deposits and
 * withdrawals against the external-world account; a provider integration implements this
 * interface (confirm the incoming payment / initiate the payout, return its reference). Today the
 * coordinator records transfers that happened outside (bank transfer, cash) with the manual one.
 *
 * Both calls carry the request's idempotency key and are made again on every retry of the same
 * request (the first attempt may have died between the ledger and the provider), so an
 * implementation must be idempotent by that key, as payment providers' APIs are.
 */
export interface PaymentGateway {
  readonly name: string;
  /** Confirms money received from a member; returns the provider's reference. */
  confirmDeposit(req: { idempotencyKey: string; memberId: string; amount: bigint; currency: string; reference?: string }): Promise<{ reference: string | null }>;
  /** Starts a payout to a member; returns the provider's reference. */
  payOut(req: { idempotencyKey: string; memberId: string; amount: bigint; currency: string; reference?: string }): Promise<{ reference: string | null }>;
}

export const PAYMENT_GATEWAY = Symbol('PaymentGateway');

/** Records what the coordinator reports; moves no real money. */
export class ManualPaymentGateway implements PaymentGateway {
  readonly name = 'manual';
  async confirmDeposit(req: { reference?: string }) {
    return { reference: req.reference ?? null };
  }
  async payOut(req: { reference?: string }) {
    return { reference: req.reference ?? null };
  }
}
