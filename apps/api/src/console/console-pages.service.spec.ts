import { ConsolePagesRepository, DecisionEntity, DecisionsRepository, FundingRepository, FundingRoundEntity } from '@app/db';
import { strictMock } from '../../../../test/support/strict-mock';
import { ProblemException } from '../common/problem';
import { ConsolePagesService, CSV_CHUNK } from './console-pages.service';

function setup() {
  const pages = strictMock<ConsolePagesRepository>();
  const funding = strictMock<FundingRepository>();
  const decisions = strictMock<DecisionsRepository>();
  return { pages, funding, decisions, service: new ConsolePagesService(pages, funding, decisions) };
}

const account = { id: 'a1', kind: 'member' as const, ownerId: 'm1', ownerName: 'Ada Lovelace', scopeName: null, currency: 'EUR', balance: 1_050n };
const line = (i: number, amount: bigint) => ({ entryId: String(i), at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)), kind: 'deposit', memo: i === 1 ? '=SUM(A1)' : null, counterparty: 'Outside, the network', description: 'Deposit', amount, cursor: `c${i}` });
const asset = {
  id: 'as1',
  name: 'Greenhouse A',
  kind: 'greenhouse',
  identifier: 'GH-1',
  portable: false,
  totalParts: 1000n,
  nodeName: 'Node',
  owners: 2,
  lastPlace: null,
  catalogue: [{ id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 90, capability: 'greenhouse' }],
  quarterlyCapacity: 100,
  capacityUnit: 'm2',
  timeZone: 'Europe/Berlin',
  createdAt: new Date('2030-01-01T00:00:00Z'),
};

async function text(chunks: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

describe('ConsolePagesService', () => {
  it('backers: an unknown round is a 404 and reads no pledge; amounts as digits in the round’s currency', async () => {
    const s = setup();
    s.funding.find.mockResolvedValueOnce(null);
    await expect(s.service.backers('nope', { limit: 10, offset: 0 })).rejects.toMatchObject({ status: 404 });
    expect(s.pages.backers).not.toHaveBeenCalled();
    s.funding.find.mockResolvedValueOnce(Object.assign(new FundingRoundEntity(), { id: 'r1', currency: 'EUR' }));
    s.pages.backers.mockResolvedValue({ rows: [{ memberId: 'm1', name: 'Ada', amount: 12_345n, captured: 0n, returned: false, pledgedAt: new Date('2030-01-01T00:00:00Z') }], total: 7 });
    await expect(s.service.backers('r1', { limit: 1, offset: 2 })).resolves.toEqual({
      limit: 1,
      offset: 2,
      total: 7,
      currency: 'EUR',
      items: [{ memberId: 'm1', name: 'Ada', amount: '12345', captured: '0', returned: false, pledgedAt: '2030-01-01T00:00:00.000Z' }],
    });
    expect(s.pages.backers).toHaveBeenCalledWith('r1', { limit: 1, offset: 2 });
  });

  it('the statement CSV: a header, minor units and decimals, a running balance carried across chunks, cells safe for spreadsheets', async () => {
    const s = setup();
    s.pages.account.mockResolvedValue(account);
    const first = Array.from({ length: CSV_CHUNK }, (_, i) => line(i, i === 1 ? -5n : 1n));
    s.pages.statementChunk.mockResolvedValueOnce(first).mockResolvedValueOnce([line(CSV_CHUNK, -1_000_000n)]);
    const { filename, chunks } = await s.service.statementCsv('a1');
    expect(filename).toBe('dpn-member-ada-lovelace-EUR.csv');
    const rows = (await text(chunks)).split('\r\n');
    expect(rows[0]).toBe('date,kind,counterparty,memo,currency,amount_minor,amount,balance_minor,balance');
    expect(rows[1]).toBe('2030-01-01T00:00:00.000Z,deposit,"Outside, the network",,EUR,1,0.01,1,0.01');
    expect(rows[2]).toBe("2030-01-01T00:00:01.000Z,deposit,\"Outside, the network\",'=SUM(A1),EUR,-5,-0.05,-4,-0.04");
    // The second chunk starts after the first one's last cursor; the balance goes on from where it was.
    expect(s.pages.statementChunk).toHaveBeenNthCalledWith(2, 'a1', `c${CSV_CHUNK - 1}`, CSV_CHUNK);
    // 1,999 entries of +1 and one of −5 before it: 1,994; then −1,000,000.
    expect(CSV_CHUNK).toBe(2000);
    expect(rows[CSV_CHUNK + 1]).toBe('2030-01-01T00:33:20.000Z,deposit,"Outside, the network",,EUR,-1000000,-10000.00,-998006,-9980.06');
    expect(rows.at(-1)).toBe('');
    expect(s.pages.statementChunk).toHaveBeenCalledTimes(2);
  });

  it('the statement CSV of an unknown account is a 404 before anything is written', async () => {
    const s = setup();
    s.pages.account.mockResolvedValue(null);
    await expect(s.service.statementCsv('nope')).rejects.toBeInstanceOf(ProblemException);
    expect(s.pages.statementChunk).not.toHaveBeenCalled();
  });

  it('an asset’s quarters name their products from the catalogue as the window opened, and owners come with fractions', async () => {
    const s = setup();
    s.pages.asset.mockResolvedValue(asset);
    s.pages.owners.mockResolvedValue({ rows: [{ memberId: 'm1', name: 'Ada', parts: 250n, outputParts: 300n }], total: 2, ownedParts: 1000n });
    s.pages.quarters.mockResolvedValue([
      {
        quarter: '2030-Q1',
        status: 'planned',
        windowOpensAt: new Date('2029-12-01T00:00:00Z'),
        windowClosesAt: new Date('2029-12-15T00:00:00Z'),
        startsAt: new Date('2030-01-01T00:00:00Z'),
        capacity: 100,
        spare: 0,
        owners: 2,
        ordered: 2,
        catalogue: [{ ...asset.catalogue[0], name: 'Tomatoes (old name)' }],
        products: [
          { productId: 'tomatoes', requested: 120, granted: 100 },
          { productId: 'gone', requested: 1, granted: 0 },
        ],
      },
    ]);
    const d = await s.service.assetDetail('as1');
    expect(d).toMatchObject({ name: 'Greenhouse A', producing: true, ownedParts: '1000', totalParts: '1000' });
    expect(d.quarters[0].products).toEqual([
      { productId: 'tomatoes', name: 'Tomatoes (old name)', unit: 'crate', requested: 120, granted: 100 },
      { productId: 'gone', name: 'gone', unit: null, requested: 1, granted: 0 },
    ]);
    const owners = await s.service.owners('as1', { limit: 20, offset: 0 });
    expect(owners.items).toEqual([{ memberId: 'm1', name: 'Ada', parts: '250', outputParts: '300', fraction: '1/4', percent: '25 %' }]);
    s.pages.asset.mockResolvedValue(null);
    await expect(s.service.transfers('nope', { limit: 20, offset: 0 })).rejects.toMatchObject({ status: 404 });
    expect(s.pages.transfers).not.toHaveBeenCalled();
  });

  it('voters: whether and when, never what; counts from the answers for decisions that keep them in PostgreSQL', async () => {
    const s = setup();
    const d = Object.assign(new DecisionEntity(), { id: 'd1', kind: 'phase-gate', title: 'Gate', status: 'open', deadline: new Date('2040-01-01T00:00:00Z'), createdAt: new Date('2030-01-01T00:00:00Z'), answersIn: 'database', asked: 0, answered: 0 });
    s.decisions.findById.mockResolvedValue(d);
    s.decisions.counts.mockResolvedValue({ asked: 3, answered: 1 });
    // The repository's rows carry only these fields; an option smuggled in must not reach the page.
    s.pages.voters.mockResolvedValue({ rows: [{ memberId: 'm1', name: 'Ada', answered: true, answeredAt: new Date('2030-01-02T00:00:00Z'), optionId: 'approve' } as never], total: 3 });
    const page = await s.service.voters('d1', undefined, { limit: 10, offset: 0 });
    expect(page.decision).toMatchObject({ asked: 3, answered: 1 });
    expect(page.votersKnown).toBe(true);
    expect(page.items).toEqual([{ memberId: 'm1', name: 'Ada', answered: true, answeredAt: '2030-01-02T00:00:00.000Z' }]);
    expect(JSON.stringify(page)).not.toContain('approve');
    s.decisions.findById.mockResolvedValue(null);
    await expect(s.service.voters('nope', undefined, { limit: 10, offset: 0 })).rejects.toMatchObject({ status: 404 });
  });

  it('the outbox: to, subject, status and times, never a body', async () => {
    const s = setup();
    s.pages.outbox.mockResolvedValue({
      rows: [{ recipient: 'ada@example.org', subject: 'Your sign-in link for DPN', status: 'sent', attempts: 1, lastError: null, createdAt: new Date('2030-01-01T00:00:00Z'), sentAt: new Date('2030-01-01T00:00:01Z'), bodyText: '#link=SECRET' } as never],
      total: 1,
      byStatus: [{ status: 'sent', count: 1 }],
    });
    const page = await s.service.outbox(undefined, { limit: 20, offset: 0 });
    expect(page.items).toEqual([{ to: 'ada@example.org', subject: 'Your sign-in link for DPN', status: 'sent', attempts: 1, lastError: null, createdAt: '2030-01-01T00:00:00.000Z', sentAt: '2030-01-01T00:00:01.000Z' }]);
    expect(JSON.stringify(page)).not.toContain('SECRET');
  });
});
