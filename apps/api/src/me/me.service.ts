import { Injectable } from '@nestjs/common';
import type { OwnerOrder } from '@app/contracts';
import { nextQuarter } from '@app/contracts';
import { LeasesRepository, AssetEntity, DecisionsRepository, MemberEntity, memberCounterpartyWords, MemberPagesRepository, OutputPlanEntity, StatementsRepository } from '@app/db';
import { CURRENCIES, Currency, DEFAULT_WINDOW, nextOpenQuarter, outputEntitlements, percentText, quarterWindow } from '@app/domain';
import { ProblemException, Problems } from '../common/problem';
import { AccountDto, AgendaDto, AllocationDto, HoldingsDto, MemberRoundPageDto, MyOrderDto, OrderPageDto } from './me.dto';

const DAY = 86_400_000;

/** The member pages of the web app, assembled from the read models (never from a workflow query). */
/** Entries read per query when the CSV is written (bounded, however long the account). */
const CSV_CHUNK = 1000;

@Injectable()
export class MeService {
  constructor(
    private readonly pages: MemberPagesRepository,
    private readonly decisions: DecisionsRepository,
    private readonly statements: StatementsRepository,
    private readonly leases: LeasesRepository,
  ) {}

  async agenda(m: MemberEntity): Promise<AgendaDto> {
    const [pending, rounds, windows] = await Promise.all([this.decisions.forMember(m.id, 'pending', { limit: 100, offset: 0 }), this.pages.openRounds(m.id), this.pages.openOrderWindows(m.id)]);
    return {
      decisions: pending.items.map(({ decision: d }) => ({ id: d.id, kind: d.kind, title: d.title, deadline: d.deadline.toISOString() })),
      rounds: rounds.map(({ round: r, projectName, myPledge }) => ({
        roundId: r.id,
        projectId: r.projectId,
        projectName,
        goal: String(r.goal),
        total: String(r.total),
        currency: r.currency,
        deadline: r.deadline.toISOString(),
        myPledge: String(myPledge),
      })),
      orderWindows: windows.map((w) => ({ ...w, closesAt: w.closesAt.toISOString() })),
    };
  }

  async round(m: MemberEntity, roundId: string): Promise<MemberRoundPageDto> {
    const found = await this.pages.round(roundId);
    if (!found) throw Problems.notFound('funding round', roundId);
    const { round: r, project } = found;
    const [myPledge, balances] = await Promise.all([this.pages.pledgeOf(r.id, m.id), this.pages.balances(m.id)]);
    return {
      roundId: r.id,
      projectId: r.projectId,
      projectName: project.name,
      projectDescription: project.description,
      status: r.status,
      reason: r.reason,
      goal: String(r.goal),
      total: String(r.total),
      backers: r.backers,
      currency: r.currency,
      minPledge: String(r.minPledge),
      deadline: r.deadline.toISOString(),
      closeWhenGoalMet: r.closeWhenGoalMet,
      documents: r.documents.map((d) => ({ title: d.title, url: d.url, contentHash: d.contentHash })),
      myPledge: String(myPledge),
      available: String(balances.find((b) => b.currency === r.currency)?.available ?? 0n),
    };
  }

  async holdings(m: MemberEntity): Promise<HoldingsDto> {
    const rows = await this.pages.holdings(m.id);
    return {
      assets: rows.map(({ asset: a, owners, latestPlan }) => {
        const me = owners.find((o) => o.memberId === m.id);
        const outputTotal = owners.reduce((s, o) => s + o.outputParts, 0n);
        return {
          assetId: a.id,
          name: a.name,
          kind: a.kind,
          identifier: a.identifier,
          totalParts: String(a.totalParts),
          myParts: String(me?.parts ?? 0n),
          myPercent: percentText(me?.parts ?? 0n, a.totalParts),
          myOutputPercent: percentText(me?.outputParts ?? 0n, outputTotal),
          owners: owners.map((o) => ({ name: o.name, parts: String(o.parts), outputParts: String(o.outputParts), percent: percentText(o.parts, a.totalParts), isMe: o.memberId === m.id })),
          quarterlyCapacity: a.quarterlyCapacity,
          capacityUnit: a.capacityUnit,
          thisQuarter: latestPlan ? quarterOutput(a, latestPlan) : null,
          producing: a.outputCatalogue.length > 0,
        };
      }),
    };
  }

  async account(m: MemberEntity): Promise<AccountDto> {
    const balances = await this.pages.balances(m.id);
    return { balances: balances.map((b) => ({ currency: b.currency, available: String(b.available), held: String(b.held) })) };
  }

  /** The whole statement as CSV, oldest first, read a chunk at a time; the amounts add up to the balance. */
  async statementCsv(m: MemberEntity, currency: string): Promise<string> {
    const exp = CURRENCIES[currency as Currency] ?? 2;
    const lines = [['date', 'kind', 'counterparty', 'memo', 'amount', 'currency', 'balance'].join(',')];
    const accountId = await this.statements.accountOf('member', m.id, currency);
    let balance = 0n;
    for (let after: string | null = null; accountId; ) {
      const chunk = await this.statements.chunk(accountId, after, CSV_CHUNK);
      for (const r of chunk) {
        balance += r.amount;
        lines.push([r.at.toISOString(), cell(r.kind), cell(memberCounterpartyWords(r.other)), cell(r.memo ?? ''), decimal(r.amount, exp), currency, decimal(balance, exp)].join(','));
      }
      if (chunk.length < CSV_CHUNK) break;
      after = chunk[chunk.length - 1].cursor;
    }
    return lines.join('\r\n') + '\r\n';
  }

  async orderPage(m: MemberEntity, assetId: string): Promise<OrderPageDto> {
    const a = await this.pages.asset(assetId);
    if (!a) throw Problems.notFound('asset', assetId);
    const owners = await this.pages.owners(assetId);
    // Lessees of output rights order the leased output as owners do.
    if (!owners.some((o) => o.memberId === m.id) && !(await this.leases.isLessee(assetId, m.id))) throw new ProblemException(403, 'not_an_owner', 'Only co-owners of this asset order what it grows.');
    if (!a.outputCatalogue.length || !a.quarterlyCapacity) throw Problems.conflict('no_catalogue', `“${a.name}” has no output catalogue: there is nothing to order from it`);
    const [latest, allocated] = await Promise.all([this.pages.latestPlan(a.id), this.pages.latestAllocated(a.id)]);
    const rule = a.orderWindow ?? DEFAULT_WINDOW;
    // The quarter being ordered: the open (or closed, being planned) row; after a plan, the next quarter; before any, the next open one.
    const quarter = latest && latest.status !== 'planned' ? latest.quarter : latest ? nextQuarter(latest.quarter) : nextOpenQuarter(new Date(), a.timeZone, rule);
    const w = latest && latest.quarter === quarter ? { opensAt: latest.windowOpensAt, closesAt: latest.windowClosesAt, startsAt: latest.startsAt } : quarterWindow(quarter, a.timeZone, rule);
    const now = Date.now();
    const status = w.opensAt.getTime() > now || !latest || latest.quarter !== quarter ? 'waiting' : w.closesAt.getTime() > now && latest.status === 'open' ? 'open' : 'allocating';
    const [weights, orders, allocatedWeights] = await Promise.all([
      this.pages.outputWeights(a.id, quarter),
      this.pages.memberOrders(a.id, m.id, quarter),
      allocated ? this.pages.outputWeights(a.id, allocated.quarter) : Promise.resolve([]),
    ]);
    // A quarter opened with its orders in the database takes orders against its catalogue and capacity as it opened.
    const opened = latest && latest.quarter === quarter ? latest : null;
    const catalogue = opened?.catalogue ?? a.outputCatalogue;
    const capacity = opened?.capacity ?? a.quarterlyCapacity;
    const entitlement = outputEntitlements(capacity, weights)[m.id] ?? 0;
    const myWeight = weights.find((x) => x.memberId === m.id)?.weight ?? 0n;
    return {
      assetId: a.id,
      assetName: a.name,
      timeZone: a.timeZone,
      capacityUnit: a.capacityUnit ?? 'units',
      capacity,
      myPercent: percentText(myWeight, weights.reduce((s, x) => s + x.weight, 0n)),
      entitlement,
      catalogue: catalogue.map((p) => ({ id: p.id, name: p.name, unit: p.unit, capacityPerUnit: p.capacityPerUnit, leadTimeDays: p.leadTimeDays, readyAt: new Date(w.startsAt.getTime() + p.leadTimeDays * DAY).toISOString() })),
      quarter,
      status,
      opensAt: w.opensAt.toISOString(),
      closesAt: w.closesAt.toISOString(),
      startsAt: w.startsAt.toISOString(),
      myOrder: orderView(orders.myOrder),
      standingOrder: orderView(orders.standingOrder),
      lastAllocation: allocated ? allocationOf(a, allocated, m.id, allocatedWeights) : null,
    };
  }
}

function orderView(o: OwnerOrder | null): MyOrderDto | null {
  return o ? { lines: o.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })), standing: o.standing, placedAt: o.placedAt } : null;
}

/** What the member asked and got in an allocated quarter, in capacity units, and where it came from. */
function allocationOf(a: AssetEntity, p: OutputPlanEntity, memberId: string, weights: Array<{ memberId: string; weight: bigint }>): AllocationDto | null {
  if (!p.plan) return null;
  const catalogue = p.catalogue ?? a.outputCatalogue;
  const cpu = (id: string) => catalogue.find((x) => x.id === id)?.capacityPerUnit ?? 0;
  const lines = p.plan.lines.filter((l) => l.memberId === memberId);
  const asked = lines.reduce((s, l) => s + l.requested * cpu(l.productId), 0);
  const got = p.plan.capacityByOwner[memberId] ?? lines.reduce((s, l) => s + l.granted * cpu(l.productId), 0);
  const entitlement = outputEntitlements(p.plan.capacity, weights)[memberId] ?? 0;
  return {
    quarter: p.quarter,
    capacity: p.plan.capacity,
    entitlement,
    asked,
    got,
    fromOthers: Math.max(0, got - entitlement),
    leftForOthers: Math.max(0, entitlement - got),
    spare: p.plan.spare,
    lines: lines.map((l) => {
      const product = catalogue.find((x) => x.id === l.productId);
      return { productId: l.productId, name: product?.name ?? l.productId, unit: product?.unit ?? '', requested: l.requested, granted: l.granted };
    }),
  };
}

export function quarterOutput(a: AssetEntity, p: OutputPlanEntity) {
  const totals = new Map<string, number>();
  for (const l of p.plan?.lines ?? []) totals.set(l.productId, (totals.get(l.productId) ?? 0) + l.granted);
  return {
    quarter: p.quarter,
    status: p.status,
    products: [...totals].filter(([, q]) => q > 0).map(([productId, quantity]) => {
      const product = a.outputCatalogue.find((x) => x.id === productId);
      return { productId, name: product?.name ?? productId, unit: product?.unit ?? '', quantity };
    }),
  };
}

/** Minor units as a decimal string with the currency's digits ("-500.00"): exact, no floats. */
export function decimal(minor: bigint, exp: number): string {
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${exp ? `${digits.slice(0, -exp)}.${digits.slice(-exp)}` : digits}`;
}

/** A CSV text cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
