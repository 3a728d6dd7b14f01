-- Per-day totals cost a row write per account and batch in account_days (an upsert, about an
-- eighth of a batch's database time). Most writes fall on one day, the account's latest: its
-- total now lives on the account row, which every write updates anyway for the balance.
-- account_days keeps the other days: a day moves there when a later one opens on the
-- account, and entries dated before the open day go there directly. So
--   balance = sum(account_days.delta) + open_day_delta
-- and a balance as of D adds open_day_delta when open_day <= D. Existing rows stay as they are
-- (open_day NULL): sums are additive, so a day may have a row in both places.
ALTER TABLE accounts ADD COLUMN open_day date, ADD COLUMN open_day_delta bigint NOT NULL DEFAULT 0;

-- Every day's total per account, the open day included, as account_days held them before:
-- for checks and ad-hoc reads. The engine's own reads add the two parts directly.
CREATE VIEW account_day_totals AS
SELECT org_id, account_id, day, sum(delta)::int8 AS delta
  FROM (SELECT org_id, account_id, day, delta FROM account_days
        UNION ALL
        SELECT org_id, id, open_day, open_day_delta FROM accounts WHERE open_day IS NOT NULL) AS t
 GROUP BY org_id, account_id, day;
