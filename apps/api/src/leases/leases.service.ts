import { HttpStatus, Injectable } from '@nestjs/common';
import { AssetsRepository, Lease, LeaseNotify, LeasesRepository } from '@app/db';
import { LeaseError } from '@app/domain';
import { LeaseMail } from '@app/mail';
import { ProblemException, Problems } from '../common/problem';
import { LeaseDto, LeaseRequestAnswerDto, LeaseRequestDto, LeaseRequestViewDto, ProposeLeaseDto } from './leases.dto';

/** 403: not your lease; 400: the request is malformed in a way a decorator cannot see; else 409 with the figures. */
const STATUS: Partial<Record<LeaseError['code'], HttpStatus>> = { not_a_party: HttpStatus.FORBIDDEN, lease_to_self: HttpStatus.BAD_REQUEST, lease_too_long: HttpStatus.BAD_REQUEST };

/**
 * Leases of output rights at the edge: each step is one transaction in `LeasesRepository` (the
 * asset locked, money through the ledger, the mail to both sides in the outbox); a refusal
 * writes nothing and comes back as a problem with its code and figures.
 */
@Injectable()
export class LeasesService {
  constructor(
    private readonly leases: LeasesRepository,
    private readonly assets: AssetsRepository,
    private readonly mail: LeaseMail,
  ) {}

  private readonly notify: LeaseNotify = (m, e) => this.mail.queue(e, m);

  private refusal(err: unknown): never {
    if (err instanceof LeaseError) {
      const status = STATUS[err.code] ?? HttpStatus.CONFLICT;
      const field = err.code === 'lease_to_self' ? 'lesseeMemberId' : err.code === 'lease_too_long' ? 'quarters' : null;
      throw new ProblemException(status, err.code, err.message, field ? [{ field, code: err.code, message: err.message }] : undefined, err.figures);
    }
    throw err;
  }

  private async view(l: Lease): Promise<LeaseDto> {
    return LeaseDto.from(l, await this.leases.quartersOf(l.id), await this.leases.requestsOf(l.id));
  }

  async propose(memberId: string, dto: ProposeLeaseDto, key: string | undefined): Promise<LeaseDto> {
    if (!(await this.assets.exists(dto.assetId))) throw Problems.badRequest('assetId', `asset ${dto.assetId} does not exist`);
    try {
      const r = await this.leases.propose({ ...dto, lessorMemberId: memberId }, this.notify, key ?? null);
      return await this.view(r.lease);
    } catch (err) {
      this.refusal(err);
    }
  }

  /** A lease the member is a party to (another's is a 404: no one learns it exists). */
  async mine(memberId: string, id: string): Promise<LeaseDto> {
    const l = await this.leases.find(id);
    if (!l || (l.lessorMemberId !== memberId && l.lesseeMemberId !== memberId)) throw Problems.notFound('lease', id);
    return this.view(l);
  }

  async any(id: string): Promise<LeaseDto> {
    const l = await this.leases.find(id);
    if (!l) throw Problems.notFound('lease', id);
    return this.view(l);
  }

  async decide(memberId: string, id: string, accept: boolean): Promise<LeaseDto> {
    await this.mine(memberId, id);
    try {
      return await this.view((await this.leases.decide(id, memberId, accept, this.notify)).lease);
    } catch (err) {
      this.refusal(err);
    }
  }

  async request(memberId: string, id: string, dto: LeaseRequestDto): Promise<LeaseRequestAnswerDto> {
    await this.mine(memberId, id);
    if (dto.kind === 'renew' && (dto.quarters === undefined || dto.price === undefined)) {
      throw Problems.badRequest(dto.quarters === undefined ? 'quarters' : 'price', 'a renewal needs quarters and price');
    }
    try {
      const r = await this.leases.request(id, memberId, dto.kind === 'renew' ? { kind: 'renew', quarters: dto.quarters!, price: dto.price! } : { kind: 'end' }, this.notify);
      return { lease: await this.view(r.lease), request: LeaseRequestViewDto.from(r.request) };
    } catch (err) {
      this.refusal(err);
    }
  }

  async answer(memberId: string, id: string, requestId: string, accept: boolean): Promise<LeaseRequestAnswerDto> {
    await this.mine(memberId, id);
    try {
      const r = await this.leases.answer(id, requestId, memberId, accept, this.notify);
      return { lease: await this.view(r.lease), request: LeaseRequestViewDto.from(r.request) };
    } catch (err) {
      this.refusal(err);
    }
  }
}
