import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { BUYOUT_WORKFLOW_TYPE, BuyoutAction, BuyoutRefusals, BuyoutView, BuyoutWorkflowInput, buyoutWorkflowId, changeBuyoutUpdate, nextQuarter } from '@app/contracts';
import { AssetsRepository, BuyoutAgreement, BuyoutRefusal, BuyoutsRepository } from '@app/db';
import { ProblemException, Problems } from '../common/problem';
import { refusalOf, refusalProblem, workflowCallProblem } from '../common/workflow-calls';
import { CreateBuyoutDto } from './buyouts.dto';

const UPDATE_TIMEOUT_MS = 30_000;

/** 409: the asset's state refuses it; 422: the terms contradict the asset or its owners. */
const STATUS: Record<BuyoutRefusal['code'], HttpStatus> = {
  target_above_total: HttpStatus.UNPROCESSABLE_ENTITY,
  target_not_above_owned: HttpStatus.UNPROCESSABLE_ENTITY,
  invalid_price: HttpStatus.UNPROCESSABLE_ENTITY,
  operator_not_owner: HttpStatus.UNPROCESSABLE_ENTITY,
  operator_not_member: HttpStatus.UNPROCESSABLE_ENTITY,
  invalid_offer: HttpStatus.UNPROCESSABLE_ENTITY,
  currency_mismatch: HttpStatus.UNPROCESSABLE_ENTITY,
  no_income: HttpStatus.UNPROCESSABLE_ENTITY,
  buyout_exists: HttpStatus.CONFLICT,
  buyout_ended: HttpStatus.CONFLICT,
  buyout_not_active: HttpStatus.CONFLICT,
  buyout_not_paused: HttpStatus.CONFLICT,
};

const ended = (id: string, status: string) => new ProblemException(HttpStatus.CONFLICT, 'buyout_ended', `buy-out agreement ${id} is ${status}: nothing can change it`);

/**
 * The operator's buy-out at the edge. A coordinator records the agreement (one transaction in
 * `BuyoutsRepository.create`; a refusal writes nothing), which starts its workflow
 * (`buyout-<id>`, started once: a retry with the same Idempotency-Key finds it); pause, resume
 * and end are the workflow's `changeBuyout` Update, with who and why. Reads come from PostgreSQL.
 */
@Injectable()
export class BuyoutsService {
  constructor(
    private readonly buyouts: BuyoutsRepository,
    private readonly assets: AssetsRepository,
    @Inject(Client) private readonly temporal: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async create(assetId: string, dto: CreateBuyoutDto, key: string | undefined, by: string): Promise<{ agreement: BuyoutAgreement; replayed: boolean }> {
    if (!(await this.assets.exists(assetId))) throw Problems.notFound('asset', assetId);
    if (dto.funding === 'fixed' && dto.fixedAmount === undefined) throw Problems.badRequest('fixedAmount', 'a `fixed` agreement needs fixedAmount (minor units a quarter)');
    if (dto.funding !== 'fixed' && dto.fixedAmount !== undefined) throw Problems.badRequest('fixedAmount', 'fixedAmount is for `fixed` agreements only');
    if (dto.source === 'offered' && !dto.offers?.length) throw Problems.badRequest('offers', 'an `offered` agreement needs the offers, in the order they were made');
    if (dto.source !== 'offered' && dto.offers?.length) throw Problems.badRequest('offers', 'offers are for `offered` agreements only');
    let r: { agreement: BuyoutAgreement; replayed: boolean };
    try {
      r = await this.buyouts.create({
        assetId,
        operatorMemberId: dto.operatorMemberId,
        targetParts: dto.targetParts,
        pricePerPart: dto.pricePerPart,
        currency: dto.currency,
        funding: dto.funding,
        fixedAmount: dto.fixedAmount ?? null,
        source: dto.source,
        offers: (dto.offers ?? []).map((o) => ({ memberId: o.memberId, parts: o.parts })),
        idempotencyKey: key ?? null,
        recordedBy: by,
        note: dto.note ?? null,
      });
    } catch (err) {
      if (err instanceof BuyoutRefusal) throw new ProblemException(STATUS[err.code], err.code, err.message, undefined, err.figures);
      throw err;
    }
    // Started once (a retry finds it running); the first run waits for the end of the quarter the agreement was made in.
    if (r.agreement.status === 'active' || r.agreement.status === 'paused') {
      try {
        await this.startWorkflow(r.agreement);
      } catch (err) {
        // The agreement is recorded; the same request with the same Idempotency-Key (or its first change) starts its workflow.
        throw workflowCallProblem(err, { closed: () => ended(r.agreement.id, r.agreement.status), retry: 'send the same request with the same Idempotency-Key again' });
      }
    }
    return r;
  }

  /**
   * Starts the agreement's workflow unless it runs (`USE_EXISTING`), at the quarter after the last
   * one stepped: a workflow whose start failed after the agreement was recorded catches up.
   */
  private async startWorkflow(a: BuyoutAgreement): Promise<void> {
    const input: BuyoutWorkflowInput = { agreementId: a.id, quarter: a.lastQuarter ? nextQuarter(a.lastQuarter) : a.firstQuarter, status: a.status === 'paused' ? 'paused' : 'active', quartersDone: a.stepCount };
    await this.temporal.workflow.start(BUYOUT_WORKFLOW_TYPE, { taskQueue: this.config.temporal.taskQueue, workflowId: buyoutWorkflowId(a.id), args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
  }

  async change(id: string, action: BuyoutAction, reason: string, by: string, key: string | undefined): Promise<BuyoutView> {
    const a = await this.get(id);
    if (a.status === 'ended' || a.status === 'completed') throw ended(id, a.status);
    const changeId = key ?? randomUUID();
    const send = () =>
      this.temporal.withDeadline(Date.now() + UPDATE_TIMEOUT_MS, () =>
        this.temporal.workflow.getHandle(buyoutWorkflowId(id)).executeUpdate(changeBuyoutUpdate, { args: [{ action, by, reason, changeId }], updateId: `change:${changeId}` }),
      );
    try {
      try {
        return await send();
      } catch (err) {
        // Running in PostgreSQL but no workflow (its start failed when it was agreed): start it, then change it.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        await this.startWorkflow(a);
        return await send();
      }
    } catch (err) {
      const refusal = refusalOf(err);
      const own = refusal ? refusalProblem(refusal.type, refusal.message, BuyoutRefusals) : null;
      if (own) throw own;
      throw workflowCallProblem(err, { closed: () => ended(id, 'over'), retry: `buy-out agreement ${id}: the change was not confirmed in time; send it again with the same Idempotency-Key` });
    }
  }

  async get(id: string): Promise<BuyoutAgreement> {
    const a = await this.buyouts.find(id);
    if (!a) throw Problems.notFound('buy-out agreement', id);
    return a;
  }

  async forAsset(assetId: string, page: { limit: number; offset: number }) {
    if (!(await this.assets.exists(assetId))) throw Problems.notFound('asset', assetId);
    return this.buyouts.forAsset(assetId, page);
  }

  async detail(id: string, page: { limit: number; offset: number }) {
    const agreement = await this.get(id);
    const [steps, claims, changes] = [await this.buyouts.steps(id, page), await this.buyouts.claims(id, { limit: 200, offset: 0 }), await this.buyouts.changes(id)];
    return { agreement, steps, claims, changes };
  }

  forMember(memberId: string, page: { limit: number; offset: number }) {
    return this.buyouts.forMember(memberId, page);
  }
}
