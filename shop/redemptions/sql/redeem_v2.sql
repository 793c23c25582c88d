-- shop_redeem: one redemption (兑换) on PostgreSQL, in one round trip.
--
-- The same steps, in the same order and with the same guarded statements, as the stepwise path
-- in shop/redemptions.py (which SQLite runs); the tests run both and `kiosk verify` checks the
-- rows this writes against Python's canonical text. Python does what needs no lock first:
-- validates the basket, makes the request hash, the shop's local day and the limit period keys.
--
-- Order of checks (the first refusal wins, as in Python): idempotency key, window, each product
-- (in basket order), household, stock (product id order), limits (product id order), kiosk
-- receipt number, day close, then the journal append. Locks are taken in the order every writer
-- uses (household, goods, limit counters, kiosk, chain head), so no two writers deadlock, and
-- the chain head is locked last, held only for the inserts that follow it and the commit.
--
-- A refusal is returned, not raised: the writes of the inner block are undone (it runs as a
-- subtransaction) and the caller's transaction stays usable, as a Python savepoint would leave
-- it. `error` is a DomainError code and `context` its details as JSON.
--
-- v2 (migration 0015): idempotency keys are per village (finding 25): the earlier receipt is
-- looked up in this village only, and the unique key is (village_id, idempotency_key).
--
-- Versioned file: a change is a new file (redeem_v3.sql) and a migration that installs it.
CREATE OR REPLACE FUNCTION shop_redeem(
    p_village bigint,
    p_household bigint,
    p_kiosk bigint,
    p_kiosk_code text,
    p_skus text[],
    p_qtys bigint[],
    p_key text,
    p_request_hash text,
    p_actor text,
    p_at timestamptz,
    p_at_text text,      -- p_at as the ledger writes it: YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)
    p_day date,          -- the shop's local business day of p_at
    p_month text,        -- the limit periods p_day is in: 2026-12, 2026-Q4, 2026
    p_quarter text,
    p_year text
) RETURNS TABLE (
    error text,
    context jsonb,
    redemption_id bigint,
    receipt_seq bigint,
    receipt_no text,
    total bigint,
    balance_after bigint,
    journal_id bigint,
    journal_hash text,
    product_ids bigint[]
) LANGUAGE plpgsql AS $fn$
DECLARE
    n integer := coalesce(array_length(p_skus, 1), 0);
    v_earlier record;
    v_window record;
    v_ids bigint[];
    v_points bigint[];
    v_active boolean[];
    v_names text[];
    v_total bigint := 0;
    v_balance bigint;
    v_status text;
    v_item record;
    v_after bigint;
    v_move_ids bigint[] := '{}';
    v_move_qtys bigint[] := '{}';
    v_move_afters bigint[] := '{}';
    v_moves text := '';
    v_limit record;
    v_key text;
    v_used bigint;
    v_charge_ids bigint[] := '{}';
    v_charge_keys text[] := '{}';
    v_charge_qtys bigint[] := '{}';
    v_seq bigint;
    v_receipt_no text;
    v_hash text;
    v_jid bigint;
    v_rid bigint;
    v_code text;
    v_detail text;
    v_constraint text;
BEGIN
    SELECT r.id, r.request_hash INTO v_earlier
    FROM redemptions r WHERE r.village_id = p_village AND r.idempotency_key = p_key;
    IF FOUND THEN
        IF v_earlier.request_hash <> p_request_hash THEN
            RETURN QUERY SELECT 'idempotency_conflict'::text, jsonb_build_object('detail', p_key),
                NULL::bigint, NULL::bigint, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint,
                NULL::text, NULL::bigint[];
        ELSE
            RETURN QUERY SELECT 'repeat'::text, NULL::jsonb, v_earlier.id::bigint, NULL::bigint,
                NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text,
                NULL::bigint[];
        END IF;
        RETURN;
    END IF;

    BEGIN
        -- 兑换期: a village with windows redeems only on a day inside one.
        IF EXISTS (SELECT 1 FROM redemption_windows w WHERE w.village_id = p_village)
           AND NOT EXISTS (
               SELECT 1 FROM redemption_windows w
               WHERE w.village_id = p_village AND w.starts_on <= p_day AND w.ends_on >= p_day
           ) THEN
            SELECT w.starts_on, w.ends_on INTO v_window
            FROM redemption_windows w
            WHERE w.village_id = p_village AND w.ends_on >= p_day
            ORDER BY w.starts_on LIMIT 1;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'outside_window' USING DETAIL =
                    jsonb_build_object('detail', 'no window ahead', 'opens_on', NULL)::text;
            END IF;
            RAISE EXCEPTION 'outside_window' USING DETAIL = jsonb_build_object(
                'detail', 'next window opens ' || to_char(v_window.starts_on, 'YYYY-MM-DD'),
                'opens_on', v_window.starts_on, 'closes_on', v_window.ends_on)::text;
        END IF;

        SELECT array_agg(p.id ORDER BY x.n), array_agg(p.points ORDER BY x.n),
               array_agg(p.is_active ORDER BY x.n), array_agg(p.name ORDER BY x.n)
        INTO v_ids, v_points, v_active, v_names
        FROM unnest(p_skus) WITH ORDINALITY AS x(sku, n)
        LEFT JOIN products p ON p.village_id = p_village AND p.sku = x.sku;
        FOR i IN 1 .. n LOOP
            IF v_ids[i] IS NULL THEN
                RAISE EXCEPTION 'unknown_product'
                    USING DETAIL = jsonb_build_object('detail', p_skus[i])::text;
            END IF;
            IF NOT v_active[i] THEN
                RAISE EXCEPTION 'product_inactive' USING DETAIL =
                    jsonb_build_object('detail', p_skus[i], 'sku_name', v_names[i])::text;
            END IF;
            v_total := v_total + v_points[i] * p_qtys[i];
        END LOOP;

        UPDATE households h SET balance = h.balance - v_total
        WHERE h.id = p_household AND h.status = 'active' AND h.balance >= v_total
        RETURNING h.balance INTO v_balance;
        IF NOT FOUND THEN
            SELECT h.status, h.balance INTO v_status, v_balance
            FROM households h WHERE h.id = p_household;
            IF v_status IS DISTINCT FROM 'active' THEN
                RAISE EXCEPTION 'household_inactive' USING DETAIL = '{}';
            END IF;
            RAISE EXCEPTION 'insufficient_points'
                USING DETAIL = jsonb_build_object('need', v_total, 'have', v_balance)::text;
        END IF;

        FOR v_item IN
            SELECT x.id, x.qty, x.sku, x.name
            FROM unnest(v_ids, p_qtys, p_skus, v_names) AS x(id, qty, sku, name)
            ORDER BY x.id
        LOOP
            UPDATE products p SET on_hand = p.on_hand - v_item.qty
            WHERE p.id = v_item.id AND p.is_active AND p.on_hand >= v_item.qty
            RETURNING p.on_hand INTO v_after;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'out_of_stock' USING DETAIL =
                    jsonb_build_object('detail', v_item.sku, 'sku_name', v_item.name)::text;
            END IF;
            v_move_ids := v_move_ids || v_item.id;
            v_move_qtys := v_move_qtys || (-v_item.qty);
            v_move_afters := v_move_afters || v_after;
            v_moves := v_moves || E'\nS|' || v_item.id || '|' || (-v_item.qty) || '|' || v_after
                || '|10:redemption';
        END LOOP;

        -- 限兑: the counter row, then its guarded increment.
        FOR v_limit IN
            SELECT l.product_id, l.allowed, l.period, x.qty
            FROM product_limits l JOIN unnest(v_ids, p_qtys) AS x(id, qty) ON x.id = l.product_id
            ORDER BY l.product_id
        LOOP
            v_key := CASE v_limit.period WHEN 'month' THEN p_month WHEN 'quarter' THEN p_quarter
                     ELSE p_year END;
            INSERT INTO household_limit_usage (household_id, product_id, period_key, used)
            VALUES (p_household, v_limit.product_id, v_key, 0)
            ON CONFLICT DO NOTHING;
            UPDATE household_limit_usage u SET used = u.used + v_limit.qty
            WHERE u.household_id = p_household AND u.product_id = v_limit.product_id
              AND u.period_key = v_key AND u.used + v_limit.qty <= v_limit.allowed
            RETURNING u.used INTO v_used;
            IF NOT FOUND THEN
                SELECT u.used INTO v_used FROM household_limit_usage u
                WHERE u.household_id = p_household AND u.product_id = v_limit.product_id
                  AND u.period_key = v_key;
                RAISE EXCEPTION 'limit_reached' USING DETAIL = jsonb_build_object(
                    'detail', format('product %s: %s+%s > %s in %s', v_limit.product_id, v_used,
                                     v_limit.qty, v_limit.allowed, v_key),
                    'product_id', v_limit.product_id, 'used', v_used,
                    'allowed', v_limit.allowed, 'period_key', v_key)::text;
            END IF;
            v_charge_ids := v_charge_ids || v_limit.product_id::bigint;
            v_charge_keys := v_charge_keys || v_key;
            v_charge_qtys := v_charge_qtys || v_limit.qty;
        END LOOP;

        UPDATE kiosks k SET last_receipt_seq = k.last_receipt_seq + 1
        WHERE k.id = p_kiosk RETURNING k.last_receipt_seq INTO v_seq;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown_kiosk' USING DETAIL = jsonb_build_object('detail', p_kiosk_code)::text;
        END IF;
        -- After the kiosk's row is locked: a day close running now is committed (and seen
        -- here) or waits for this receipt.
        IF EXISTS (SELECT 1 FROM day_closes d WHERE d.kiosk_id = p_kiosk AND d.business_date = p_day) THEN
            RAISE EXCEPTION 'day_closed' USING DETAIL =
                jsonb_build_object('detail', to_char(p_day, 'YYYY-MM-DD'), 'business_date', p_day)::text;
        END IF;
        v_receipt_no := p_kiosk_code || '-'
            || CASE WHEN v_seq < 1000000 THEN lpad(v_seq::text, 6, '0') ELSE v_seq::text END;

        -- The journal append, its postings, the receipt, its lines and limit charges: one
        -- statement, so the chain head is locked for the least time. The canonical text is
        -- exactly what shop/ledger.py canonical() writes; postings and lines keep the order they
        -- were hashed or chosen in (ids are handed out in that order).
        WITH h AS (
            UPDATE ledger_heads lh
            SET seq = lh.seq + 1,
                prev_hash = lh.head_hash,
                head_hash = encode(sha256(convert_to(
                    lh.head_hash || 'J1|' || p_village || '|' || (lh.seq + 1) || '|redemption|'
                    || p_at_text || '|' || length(p_actor) || ':' || p_actor
                    || '|' || length(v_receipt_no) || ':' || v_receipt_no || '|0:'
                    || E'\nP|' || p_household || '|' || (-v_total) || '|' || v_balance || '|'
                    || v_moves, 'UTF8')), 'hex')
            WHERE lh.village_id = p_village
            RETURNING lh.seq, lh.prev_hash, lh.head_hash
        ), j AS (
            INSERT INTO journal (village_id, seq, kind, created_at, actor, ref, memo, prev_hash,
                                 hash)
            SELECT p_village, h.seq, 'redemption', p_at, p_actor, v_receipt_no, '', h.prev_hash,
                   h.head_hash
            FROM h
            RETURNING id, hash
        ), pe AS (
            INSERT INTO points_entries (journal_id, household_id, delta, balance_after, rule_id)
            SELECT j.id, p_household, -v_total, v_balance, NULL FROM j
        ), sm AS (
            INSERT INTO stock_moves (journal_id, product_id, delta, on_hand_after, reason)
            SELECT j.id, x.id, x.qty, x.after, 'redemption'
            FROM j, unnest(v_move_ids, v_move_qtys, v_move_afters)
                    WITH ORDINALITY AS x(id, qty, after, n)
            ORDER BY x.n
        ), r AS (
            INSERT INTO redemptions (village_id, kiosk_id, receipt_seq, receipt_no, household_id,
                                     total, balance_after, state, print_state, reprint_count,
                                     idempotency_key, request_hash, journal_id, created_at)
            SELECT p_village, p_kiosk, v_seq, v_receipt_no, p_household, v_total, v_balance,
                   'completed', 'pending', 0, p_key, p_request_hash, j.id, p_at
            FROM j
            RETURNING id
        ), rl AS (
            INSERT INTO redemption_lines (redemption_id, product_id, qty, points_each)
            SELECT r.id, x.id, x.qty, x.points
            FROM r, unnest(v_ids, p_qtys, v_points) WITH ORDINALITY AS x(id, qty, points, n)
            ORDER BY x.n
        ), lc AS (
            INSERT INTO limit_charges (redemption_id, household_id, product_id, period_key, qty)
            SELECT r.id, p_household, x.id, x.key, x.qty
            FROM r, unnest(v_charge_ids, v_charge_keys, v_charge_qtys)
                    WITH ORDINALITY AS x(id, key, qty, n)
            ORDER BY x.n
        )
        SELECT j.id, j.hash, r.id INTO v_jid, v_hash, v_rid FROM j, r;
        IF v_jid IS NULL THEN
            RAISE EXCEPTION 'unknown_village'
                USING DETAIL = jsonb_build_object('detail', p_village::text)::text;
        END IF;
    EXCEPTION
        WHEN raise_exception THEN
            GET STACKED DIAGNOSTICS v_code = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
            RETURN QUERY SELECT v_code, v_detail::jsonb, NULL::bigint, NULL::bigint, NULL::text,
                NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint[];
            RETURN;
        WHEN unique_violation THEN
            -- The same key committed by another kiosk while this one waited on a lock.
            GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
            IF v_constraint <> 'uq_redemptions_village_idempotency_key' THEN
                RAISE;
            END IF;
            RETURN QUERY SELECT 'key_taken'::text, NULL::jsonb, NULL::bigint, NULL::bigint,
                NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::bigint[];
            RETURN;
    END;
    RETURN QUERY SELECT NULL::text, NULL::jsonb, v_rid, v_seq, v_receipt_no, v_total, v_balance,
        v_jid, v_hash, v_ids;
END
$fn$;
