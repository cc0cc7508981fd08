import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Pledges in one round trip (issue 18). A pledge used to be two round trips of ten statements,
 * each parsed and planned anew; these functions run the same statements with plans PL/pgSQL
 * caches per connection, and a pledge is one statement (`SELECT * FROM dpn_set_pledge(...)`, its
 * own transaction). Each statement in them takes a fresh snapshot (READ COMMITTED, volatile), as
 * the statements sent one after another did.
 *
 *  - `dpn_ledger_request_hash`: the hash `requestHash` (libs/db/src/hash.ts) gives a posting, for
 *    a posting built in SQL (tested equal to it).
 *  - `dpn_ledger_post_one_trip`: what `LedgerService.post` does when it posts; when `post` would
 *    not simply post (key used before, account missing or in another currency, a payer short of
 *    money) it raises, marked `dpn-ledger-one-trip:`, and the caller runs the work through `post`.
 *  - `dpn_pledge_begin`: a pledge's gate, checks, first rows and locked pledge row (no write on a refusal).
 *  - `dpn_pledge_finish`: the pledge row, the member's shard of the running total, the live total.
 *  - `dpn_set_pledge`: begin, the hold's posting, finish.
 */
export class PledgeFunctions1796140000000 implements MigrationInterface {
    name = 'PledgeFunctions1796140000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE FUNCTION dpn_ledger_request_hash(p_kind text, p_currency text, p_accounts uuid[], p_amounts bigint[], p_memo text, p_ref text)
            RETURNS text LANGUAGE sql IMMUTABLE AS $$
              SELECT encode(sha256(convert_to(
                '{"kind":' || to_json(p_kind)::text || ',"currency":' || to_json(p_currency)::text || ',"entries":['
                || (SELECT string_agg('{"accountId":"' || a::text || '","amount":"' || n::text || '"}', ',' ORDER BY i)
                      FROM unnest(p_accounts, p_amounts) WITH ORDINALITY AS e(a, n, i))
                || '],"memo":' || COALESCE(to_json(p_memo)::text, 'null') || ',"ref":' || COALESCE(to_json(p_ref)::text, 'null') || '}',
                'UTF8')), 'hex')
            $$`);
        await queryRunner.query(`
            CREATE FUNCTION dpn_ledger_post_one_trip(p_key text, p_hash text, p_kind text, p_currency text, p_memo text, p_ref text,
                                                     p_accounts uuid[], p_amounts bigint[], p_non_negative text[])
            RETURNS uuid LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
              v_tx uuid;
              v_refused int;
            BEGIN
              -- Claim the key; a concurrent posting with the same key waits here until it commits.
              INSERT INTO ledger_transactions (idempotency_key, request_hash, kind, currency, memo, external_reference)
              VALUES (p_key, p_hash, p_kind, p_currency, p_memo, p_ref)
              ON CONFLICT (idempotency_key) DO NOTHING
              RETURNING id INTO v_tx;
              IF v_tx IS NULL THEN
                RAISE EXCEPTION 'dpn-ledger-one-trip: the key % was used before', p_key;
              END IF;
              -- Lock the paying accounts, in id order (as post does: postings never deadlock).
              PERFORM 1 FROM ledger_accounts
                WHERE id IN (SELECT e.a FROM unnest(p_accounts, p_amounts) AS e(a, n) WHERE e.n < 0)
                ORDER BY id FOR NO KEY UPDATE;
              -- Then, with a snapshot taken after the locks, the rules on the payers' balances.
              -- (LATERAL: each account found by its key; a join would let a cached plan scan them all; OFFSET 0 keeps it from being flattened into one.)
              SELECT count(*) INTO v_refused
                FROM unnest(p_accounts, p_amounts) AS e(a, n)
                LEFT JOIN LATERAL (SELECT l.id, l.kind, l.currency FROM ledger_accounts l WHERE l.id = e.a OFFSET 0) acc ON true
               WHERE acc.id IS NULL OR acc.currency <> p_currency
                  OR (e.n < 0 AND acc.kind = ANY(p_non_negative)
                      AND (SELECT COALESCE(SUM(le.amount), 0) FROM ledger_entries le WHERE le.account_id = acc.id) + e.n < 0);
              IF v_refused > 0 THEN
                RAISE EXCEPTION 'dpn-ledger-one-trip: % entries refused', v_refused;
              END IF;
              INSERT INTO ledger_entries (transaction_id, account_id, amount)
                SELECT v_tx, e.a, e.n FROM unnest(p_accounts, p_amounts) WITH ORDINALITY AS e(a, n, i) ORDER BY e.i;
              RETURN v_tx;
            END
            $$`);
        await queryRunner.query(`
            CREATE FUNCTION dpn_pledge_begin(p_round uuid, p_member uuid, p_amount bigint, p_allow_opening boolean,
              OUT outcome text, OUT status text, OUT goal text, OUT currency text, OUT min_pledge text, OUT deadline timestamptz,
              OUT operator_upfront text, OUT close_when_goal_met boolean,
              OUT before_amount text, OUT seq int, OUT hold_account_id uuid, OUT wallet_id uuid, OUT total text, OUT backers int)
            LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
              r record;
            BEGIN
              -- The round's gate, shared: pledges never wait for each other on it; closing takes it
              -- exclusively, so it waits for pledges in flight, and every later statement sees the close.
              PERFORM pg_advisory_xact_lock_shared(hashtextextended('funding-round:' || p_round::text, 0));
              SELECT fr.status, fr.goal, fr.currency, fr.min_pledge, fr.deadline, fr.operator, fr.close_when_goal_met, fr.pledge_mode,
                     fr.deadline <= now() AS past_deadline
                INTO r FROM funding_rounds fr WHERE fr.id = p_round;
              IF NOT FOUND THEN outcome := 'not_found'; RETURN; END IF;
              status := r.status; goal := r.goal::text; currency := r.currency; min_pledge := r.min_pledge::text; deadline := r.deadline;
              close_when_goal_met := r.close_when_goal_met;
              IF r.operator ->> 'memberId' = p_member::text THEN operator_upfront := r.operator ->> 'upfront'; END IF;
              -- The refusals, in the order the API has always checked them; nothing is written before them.
              IF r.pledge_mode <> 'database' THEN outcome := 'legacy_round'; RETURN; END IF;
              IF r.status = 'opening' AND NOT p_allow_opening THEN outcome := 'not_open_yet'; RETURN; END IF;
              IF NOT (r.status = 'open' OR (r.status = 'opening' AND p_allow_opening)) OR r.past_deadline THEN outcome := 'closed'; RETURN; END IF;
              IF p_amount <> 0 AND p_amount < r.min_pledge THEN outcome := 'below_minimum'; RETURN; END IF;
              IF operator_upfront IS NOT NULL AND p_amount < operator_upfront::bigint AND NOT p_allow_opening THEN outcome := 'operator_floor'; RETURN; END IF;
              IF p_amount > 0 THEN
                INSERT INTO funding_pledges (round_id, member_id, amount, seq) VALUES (p_round, p_member, 0, 0) ON CONFLICT DO NOTHING;
                INSERT INTO ledger_accounts (kind, owner_id, currency, scope_id) VALUES ('hold', p_member, r.currency, p_round)
                  ON CONFLICT (kind, owner_id, currency, scope_id) DO NOTHING;
              END IF;
              -- The member's pledge row, locked: one member's changes are serialized.
              SELECT p.amount::text, p.seq,
                     COALESCE(p.hold_account_id, (SELECT a.id FROM ledger_accounts a WHERE a.kind = 'hold' AND a.owner_id = p_member AND a.currency = r.currency AND a.scope_id = p_round)),
                     (SELECT a.id FROM ledger_accounts a WHERE a.kind = 'member' AND a.owner_id = p_member AND a.currency = r.currency AND a.scope_id IS NULL)
                INTO before_amount, seq, hold_account_id, wallet_id
                FROM funding_pledges p WHERE p.round_id = p_round AND p.member_id = p_member FOR UPDATE;
              IF COALESCE(before_amount::bigint, 0) = p_amount THEN
                SELECT COALESCE(SUM(t.total), 0)::text, COALESCE(SUM(t.backers), 0)::int INTO total, backers
                  FROM funding_round_tallies t WHERE t.round_id = p_round;
                outcome := 'unchanged';
                RETURN;
              END IF;
              outcome := 'change';
            END
            $$`);
        await queryRunner.query(`
            CREATE FUNCTION dpn_pledge_finish(p_round uuid, p_member uuid, p_amount bigint, p_delta bigint, p_backers_delta int, p_hold uuid, p_shards int,
              OUT total text, OUT backers int)
            LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
              v_shard int := abs(hashtext(p_member::text)) % p_shards;
              v_total bigint;
              v_backers int;
            BEGIN
              UPDATE funding_pledges SET amount = p_amount, seq = seq + 1, hold_account_id = p_hold, updated_at = now()
               WHERE round_id = p_round AND member_id = p_member;
              IF NOT FOUND THEN RAISE EXCEPTION 'pledge row of % in round % vanished while locked', p_member, p_round; END IF;
              -- This member's shard of the running total: no row every pledge writes.
              INSERT INTO funding_round_tallies AS t (round_id, shard, total, backers) VALUES (p_round, v_shard, p_delta, p_backers_delta)
                ON CONFLICT (round_id, shard) DO UPDATE SET total = t.total + EXCLUDED.total, backers = t.backers + EXCLUDED.backers
                RETURNING t.total, t.backers INTO v_total, v_backers;
              -- The live total: this shard as just written, the others as committed.
              SELECT (v_total + COALESCE(SUM(t.total), 0))::text, (v_backers + COALESCE(SUM(t.backers), 0))::int INTO total, backers
                FROM funding_round_tallies t WHERE t.round_id = p_round AND t.shard <> v_shard;
            END
            $$`);
        await queryRunner.query(`
            CREATE FUNCTION dpn_set_pledge(p_round uuid, p_member uuid, p_amount bigint, p_allow_opening boolean, p_shards int,
                                           p_key_prefix text, p_memo text, p_non_negative text[],
              OUT outcome text, OUT status text, OUT goal text, OUT currency text, OUT min_pledge text, OUT deadline timestamptz,
              OUT operator_upfront text, OUT close_when_goal_met boolean, OUT delta text, OUT total text, OUT backers int)
            LANGUAGE plpgsql AS $$
            #variable_conflict use_column
            DECLARE
              b record;
              v_delta bigint;
              v_from uuid;
              v_to uuid;
              v_kind text;
              v_accounts uuid[];
              v_amounts bigint[];
            BEGIN
              SELECT * INTO b FROM dpn_pledge_begin(p_round, p_member, p_amount, p_allow_opening);
              outcome := b.outcome; status := b.status; goal := b.goal; currency := b.currency; min_pledge := b.min_pledge;
              deadline := b.deadline; operator_upfront := b.operator_upfront; close_when_goal_met := b.close_when_goal_met;
              total := b.total; backers := b.backers;
              IF b.outcome <> 'change' THEN RETURN; END IF;
              IF b.wallet_id IS NULL THEN
                RAISE EXCEPTION 'dpn-ledger-one-trip: member % has no % account yet', p_member, b.currency;
              END IF;
              v_delta := p_amount - COALESCE(b.before_amount::bigint, 0);
              IF v_delta > 0 THEN
                v_kind := 'pledge-hold'; v_from := b.wallet_id; v_to := b.hold_account_id;
              ELSE
                v_kind := 'pledge-release'; v_from := b.hold_account_id; v_to := b.wallet_id;
              END IF;
              v_accounts := ARRAY[v_from, v_to];
              v_amounts := ARRAY[-abs(v_delta), abs(v_delta)];
              PERFORM dpn_ledger_post_one_trip(p_key_prefix || (b.seq + 1)::text,
                dpn_ledger_request_hash(v_kind, b.currency, v_accounts, v_amounts, p_memo, NULL),
                v_kind, b.currency, p_memo, NULL, v_accounts, v_amounts, p_non_negative);
              SELECT f.total, f.backers INTO total, backers
                FROM dpn_pledge_finish(p_round, p_member, p_amount, v_delta,
                  (CASE WHEN p_amount > 0 THEN 1 ELSE 0 END) - (CASE WHEN COALESCE(b.before_amount::bigint, 0) > 0 THEN 1 ELSE 0 END),
                  b.hold_account_id, p_shards) f;
              delta := v_delta::text;
              outcome := 'changed';
            END
            $$`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP FUNCTION dpn_set_pledge(uuid, uuid, bigint, boolean, int, text, text, text[])`);
        await queryRunner.query(`DROP FUNCTION dpn_pledge_finish(uuid, uuid, bigint, bigint, int, uuid, int)`);
        await queryRunner.query(`DROP FUNCTION dpn_pledge_begin(uuid, uuid, bigint, boolean)`);
        await queryRunner.query(`DROP FUNCTION dpn_ledger_post_one_trip(text, text, text, text, text, text, uuid[], bigint[], text[])`);
        await queryRunner.query(`DROP FUNCTION dpn_ledger_request_hash(text, text, uuid[], bigint[], text, text)`);
    }
}
