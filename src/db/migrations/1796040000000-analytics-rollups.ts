import type { MigrationInterface, QueryRunner } from "typeorm";
import { createStatementTriggers, type TriggerEvent } from "./statement-triggers";

/** `analytics_finance_insert`, `analytics_finance_update`, ...: the triggers down() drops. */
const analyticsTrigger = (table: string) => (event: TriggerEvent) => `analytics_${table}_${event.toLowerCase()}`;

/**
 * Makes the chart aggregates (src/domain/analytics) answer in well under 150 ms at
 * 1M tracked files, 200k runs and 800k finance rows (README, "Analytics"), and keeps
 * every answer current with the tables whoever writes them (plain SQL included):
 *
 * - queue_item: stored generated columns for the summary counts, so grouping reads
 *   numbers instead of carrying the jsonb summary through sorts and hashes, and a
 *   covering index on created_at with every column a run aggregate reads, so a
 *   7/30/90-day window is an index-only scan.
 * - tracked_file: a rollup per (host, file_type, run_dir) with files, bytes and the
 *   newest created_at, kept by statement-level AFTER triggers with transition tables
 *   in the writing transaction. Counts and bytes move by deltas; `newest` grows with
 *   inserts, and a group whose newest file may have gone (delete, update) is
 *   recomputed from tracked_file in a later statement of the trigger (a fresh
 *   snapshot under READ COMMITTED, after the rollup row is locked, so a concurrent
 *   writer's committed file is seen).
 * - finance: a rollup per (year, company business_type) with the row count and, per
 *   quarter and total, the count of non-null values, their sum, min and max. Sums and
 *   counts move by deltas; a group that loses a value at its min or max is
 *   recomputed from finance ⋈ company. company's business_type changes move the
 *   company's rows between groups; a company delete takes its rows out in a BEFORE
 *   DELETE row trigger (the cascade that follows finds no company to join and skips).
 * - TRUNCATE empties the rollups.
 *
 * Trigger and function names start with analytics_ (others' triggers notify on these
 * tables). The aggregate functions read a rollup only when its keys answer the query
 * exactly and fall back to the base tables otherwise (e.g. createdAfter, COMPANY).
 */

const PARTS = ["q1", "q2", "q3", "q4", "total"] as const;
const COL = { q1: "q1_earnings", q2: "q2_earnings", q3: "q3_earnings", q4: "q4_earnings", total: "total_earnings" } as const;

/** Applies a finance change set `changes(year, business_type, sign, q1..q4, total)` (a CTE body) to the rollup. */
function applyFinance(changes: string, removals = true): string {
  const d = `d AS (
        SELECT year, business_type, sum(sign)::bigint AS rows,
               ${PARTS.map((p) => `sum(CASE WHEN ${p} IS NULL THEN 0 ELSE sign END)::bigint AS n_${p}, coalesce(sum(sign * ${p}), 0) AS sum_${p}`).join(",\n               ")},
               ${PARTS.map((p) => `min(${p}) FILTER (WHERE sign > 0) AS min_${p}, max(${p}) FILTER (WHERE sign > 0) AS max_${p}`).join(",\n               ")},
               ${PARTS.map((p) => `min(${p}) FILTER (WHERE sign < 0) AS rmin_${p}, max(${p}) FILTER (WHERE sign < 0) AS rmax_${p}`).join(",\n               ")}
          FROM (${changes}) AS c
         GROUP BY year, business_type)`;
  return `
    WITH ${d}
    INSERT INTO analytics_finance_group AS g (year, business_type, rows, ${PARTS.map((p) => `n_${p}, sum_${p}, min_${p}, max_${p}`).join(", ")})
    SELECT year, business_type, rows, ${PARTS.map((p) => `n_${p}, sum_${p}, min_${p}, max_${p}`).join(", ")}
      FROM d
     ORDER BY year, business_type
    ON CONFLICT (year, business_type) DO UPDATE SET
      rows = g.rows + EXCLUDED.rows,
      ${PARTS.map(
        (p) =>
          `n_${p} = g.n_${p} + EXCLUDED.n_${p}, sum_${p} = g.sum_${p} + EXCLUDED.sum_${p}, ` +
          `min_${p} = least(g.min_${p}, EXCLUDED.min_${p}), max_${p} = greatest(g.max_${p}, EXCLUDED.max_${p})`,
      ).join(",\n      ")};${removals ? removalSteps(d) : ""}`;
}

/**
 * After removals: empty groups go; a group is recomputed from the base tables when it lost a
 * value at (or below) its min and no added value is at or below the removed one (likewise max):
 * otherwise the merged min is still a value the group holds.
 */
function removalSteps(d: string): string {
  return `
    DELETE FROM analytics_finance_group g WHERE g.rows = 0;

    WITH ${d}
    UPDATE analytics_finance_group g
       SET (${PARTS.map((p) => `min_${p}, max_${p}`).join(", ")}) = (
             SELECT ${PARTS.map((p) => `min(f.${COL[p]}), max(f.${COL[p]})`).join(", ")}
               FROM finance f JOIN company c ON c.id = f.company_id
              WHERE f.year = g.year AND (c.business_type = g.business_type OR (g.business_type IS NULL AND c.business_type IS NULL))
                AND f.company_id <> ALL(analytics_finance_excluded()))
      FROM d
     WHERE g.year = d.year AND g.business_type IS NOT DISTINCT FROM d.business_type
       AND (${PARTS.map((p) => `(d.rmin_${p} <= g.min_${p} AND (d.min_${p} IS NULL OR d.min_${p} > d.rmin_${p})) OR (d.rmax_${p} >= g.max_${p} AND (d.max_${p} IS NULL OR d.max_${p} < d.rmax_${p}))`).join("\n         OR ")});`;
}

/**
 * Applies a tracked_file change set `changes(host, file_type, run_dir, n, b, added, removed)` (n = +1/-1,
 * b = +/- bytes, added/removed = created_at of a row coming/going) to the rollup.
 */
function applyFiles(changes: string, removals: boolean): string {
  const d = `d AS (
      SELECT host, file_type, run_dir, sum(n)::bigint AS files, sum(b) AS bytes, max(added) AS added, max(removed) AS removed
        FROM (${changes}) AS c
       GROUP BY host, file_type, run_dir)`;
  const upsert = `
    WITH ${d}
    INSERT INTO analytics_file_group AS g (host, file_type, run_dir, files, bytes, newest)
    SELECT host, file_type, run_dir, files, bytes, coalesce(added, '-infinity')
      FROM d
     WHERE files <> 0 OR bytes <> 0 OR added IS DISTINCT FROM removed
     ORDER BY host, file_type, run_dir
    ON CONFLICT (host, file_type, run_dir) DO UPDATE SET
      files = g.files + EXCLUDED.files,
      bytes = g.bytes + EXCLUDED.bytes,
      newest = greatest(g.newest, EXCLUDED.newest);`;
  if (!removals) return upsert;
  // A new statement (a fresh snapshot under READ COMMITTED, the rollup rows now locked by this
  // transaction): groups emptied go, groups that may have lost their newest file are recomputed.
  return `${upsert}
    WITH ${d}
    DELETE FROM analytics_file_group g USING d
     WHERE g.host = d.host AND g.file_type = d.file_type AND g.run_dir = d.run_dir AND g.files = 0;
    WITH ${d}
    UPDATE analytics_file_group g
       SET newest = (SELECT max(t.created_at) FROM tracked_file t WHERE t.host = g.host AND t.file_type = g.file_type AND t.run_dir = g.run_dir)
      FROM d
     WHERE g.host = d.host AND g.file_type = d.file_type AND g.run_dir = d.run_dir
       AND d.removed >= g.newest AND (d.added IS NULL OR d.added < d.removed);`;
}

export class AnalyticsRollups1796040000000 implements MigrationInterface {
  name = "AnalyticsRollups1796040000000";

  async up(q: QueryRunner): Promise<void> {
    // ------------------------------------------------------------ runs
    await q.query(`
      ALTER TABLE queue_item
        ADD COLUMN analytics_summarized boolean GENERATED ALWAYS AS (summary IS NOT NULL) STORED,
        ADD COLUMN analytics_tests numeric GENERATED ALWAYS AS ((summary->>'tests')::numeric) STORED,
        ADD COLUMN analytics_failures numeric GENERATED ALWAYS AS ((summary->>'failures')::numeric) STORED,
        ADD COLUMN analytics_errors numeric GENERATED ALWAYS AS ((summary->>'errors')::numeric) STORED,
        ADD COLUMN analytics_skipped numeric GENERATED ALWAYS AS ((summary->>'skipped')::numeric) STORED,
        ADD COLUMN analytics_test_seconds float8 GENERATED ALWAYS AS ((summary->>'durationSeconds')::float8) STORED`);
    await q.query(`
      CREATE INDEX analytics_queue_item_created_at_cover_idx ON queue_item (created_at)
        INCLUDE (status, host, owner, site, run_tag, started_at, finished_at, analytics_summarized,
                 analytics_tests, analytics_failures, analytics_errors, analytics_skipped, analytics_test_seconds)`);
    // The covering index serves every created_at range the old one did.
    await q.query(`DROP INDEX IF EXISTS queue_item_created_at_idx`);

    // ------------------------------------------------------------ files
    await q.query(`
      CREATE TABLE analytics_file_group (
        host      varchar(255) NOT NULL,
        file_type varchar(64) NOT NULL,
        run_dir   text NOT NULL,
        files     bigint NOT NULL,
        bytes     numeric NOT NULL,
        newest    timestamptz NOT NULL,
        PRIMARY KEY (host, file_type, run_dir)
      )`);
    await q.query(`
      INSERT INTO analytics_file_group (host, file_type, run_dir, files, bytes, newest)
      SELECT host, file_type, run_dir, count(*), sum(file_size), max(created_at) FROM tracked_file GROUP BY 1, 2, 3`);
    const added = `SELECT host, file_type, run_dir, 1 AS n, file_size AS b, created_at AS added, NULL::timestamptz AS removed FROM analytics_new`;
    const removed = `SELECT host, file_type, run_dir, -1 AS n, -file_size AS b, NULL::timestamptz AS added, created_at AS removed FROM analytics_old`;
    await q.query(`
      CREATE FUNCTION analytics_tracked_file_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${applyFiles(added, false)}
        ELSIF TG_OP = 'UPDATE' THEN
          -- Only rows whose counted columns changed (EXCEPT pairs each unchanged row off by id,
          -- with hashing): registerFiles' upsert of known files, which sets updated_at, costs little.
          ${applyFiles(
            `SELECT host, file_type, run_dir, 1 AS n, file_size AS b, created_at AS added, NULL::timestamptz AS removed
               FROM (SELECT id, host, file_type, run_dir, file_size, created_at FROM analytics_new
                     EXCEPT SELECT id, host, file_type, run_dir, file_size, created_at FROM analytics_old) AS n
             UNION ALL
             SELECT host, file_type, run_dir, -1, -file_size, NULL, created_at
               FROM (SELECT id, host, file_type, run_dir, file_size, created_at FROM analytics_old
                     EXCEPT SELECT id, host, file_type, run_dir, file_size, created_at FROM analytics_new) AS o`,
            true,
          )}
        ELSE
          ${applyFiles(removed, true)}
        END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION analytics_tracked_file_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM analytics_file_group;
        RETURN NULL;
      END $fn$`);
    await createStatementTriggers(q, { table: "tracked_file", fn: "analytics_tracked_file_changed", name: analyticsTrigger("tracked_file"), oldRows: "analytics_old", newRows: "analytics_new" });
    await q.query(`CREATE TRIGGER analytics_tracked_file_truncate AFTER TRUNCATE ON tracked_file
                   FOR EACH STATEMENT EXECUTE FUNCTION analytics_tracked_file_truncated()`);

    // ------------------------------------------------------------ finances
    await q.query(`
      CREATE TABLE analytics_finance_group (
        year          integer NOT NULL,
        business_type varchar(200),
        rows          bigint NOT NULL,
        ${PARTS.map((p) => `n_${p} bigint NOT NULL, sum_${p} numeric NOT NULL, min_${p} numeric, max_${p} numeric`).join(",\n        ")},
        CONSTRAINT analytics_finance_group_key UNIQUE NULLS NOT DISTINCT (year, business_type)
      )`);
    await q.query(`
      INSERT INTO analytics_finance_group (year, business_type, rows, ${PARTS.map((p) => `n_${p}, sum_${p}, min_${p}, max_${p}`).join(", ")})
      SELECT f.year, c.business_type, count(*),
             ${PARTS.map((p) => `count(f.${COL[p]}), coalesce(sum(f.${COL[p]}), 0), min(f.${COL[p]}), max(f.${COL[p]})`).join(",\n             ")}
        FROM finance f JOIN company c ON c.id = f.company_id
       GROUP BY 1, 2`);
    // Companies being deleted in this transaction whose rows were already taken out (see below).
    await q.query(`
      CREATE FUNCTION analytics_finance_excluded() RETURNS int[] LANGUAGE sql STABLE AS $fn$
        SELECT coalesce(nullif(current_setting('analytics.finance_excluded', true), ''), '{}')::int[]
      $fn$`);
    const rowsOf = (table: string, sign: string) =>
      `SELECT f.year, c.business_type, ${sign} AS sign, ${PARTS.map((p) => `f.${COL[p]} AS ${p}`).join(", ")}
         FROM ${table} f JOIN company c ON c.id = f.company_id`;
    await q.query(`
      CREATE FUNCTION analytics_finance_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${applyFinance(rowsOf("analytics_new", "1"), false)}
        ELSIF TG_OP = 'UPDATE' THEN
          -- Old rows out, new rows in, leaving out the rows that did not change (EXCEPT pairs them
          -- off by id, with hashing): an import of the same figures costs little.
          ${applyFinance(
            `${rowsOf(`(SELECT id, company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings FROM analytics_new
                        EXCEPT SELECT id, company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings FROM analytics_old)`, "1")}
             UNION ALL
             ${rowsOf(`(SELECT id, company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings FROM analytics_old
                        EXCEPT SELECT id, company_id, year, q1_earnings, q2_earnings, q3_earnings, q4_earnings, total_earnings FROM analytics_new)`, "-1")}`,
          )}
        ELSE
          ${applyFinance(rowsOf("analytics_old", "-1"))}
        END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION analytics_finance_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM analytics_finance_group;
        RETURN NULL;
      END $fn$`);
    await createStatementTriggers(q, { table: "finance", fn: "analytics_finance_changed", name: analyticsTrigger("finance"), oldRows: "analytics_old", newRows: "analytics_new" });
    await q.query(`CREATE TRIGGER analytics_finance_truncate AFTER TRUNCATE ON finance
                   FOR EACH STATEMENT EXECUTE FUNCTION analytics_finance_truncated()`);

    // A company whose business type changes moves its finance rows to the new type's groups.
    await q.query(`
      CREATE FUNCTION analytics_company_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        -- Companies whose business type changed, found with EXCEPT (hashing; a join of two
        -- transition tables, which carry no statistics, can become a nested loop).
        IF NOT EXISTS (SELECT id, business_type FROM analytics_new EXCEPT SELECT id, business_type FROM analytics_old) THEN
          RETURN NULL;
        END IF;
        ${applyFinance(`
          SELECT f.year, n.business_type, 1 AS sign, ${PARTS.map((p) => `f.${COL[p]} AS ${p}`).join(", ")}
            FROM (SELECT id, business_type FROM analytics_new EXCEPT SELECT id, business_type FROM analytics_old) n
            JOIN finance f ON f.company_id = n.id
          UNION ALL
          SELECT f.year, o.business_type, -1, ${PARTS.map((p) => `f.${COL[p]}`).join(", ")}
            FROM (SELECT id, business_type FROM analytics_old EXCEPT SELECT id, business_type FROM analytics_new) o
            JOIN finance f ON f.company_id = o.id`)}
        RETURN NULL;
      END $fn$`);
    await createStatementTriggers(q, { table: "company", fn: "analytics_company_updated", name: analyticsTrigger("company"), oldRows: "analytics_old", newRows: "analytics_new", events: ["UPDATE"] });
    // A deleted company's rows leave the rollup before the cascade (which then finds no company to join).
    await q.query(`
      CREATE FUNCTION analytics_company_deleting() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM finance WHERE company_id = OLD.id) THEN
          RETURN OLD;
        END IF;
        PERFORM set_config('analytics.finance_excluded', (analytics_finance_excluded() || OLD.id)::text, true);
        ${applyFinance(`
          SELECT f.year, OLD.business_type AS business_type, -1 AS sign, ${PARTS.map((p) => `f.${COL[p]} AS ${p}`).join(", ")}
            FROM finance f WHERE f.company_id = OLD.id`)}
        PERFORM set_config('analytics.finance_excluded', array_remove(analytics_finance_excluded(), OLD.id)::text, true);
        RETURN OLD;
      END $fn$`);
    await q.query(`CREATE TRIGGER analytics_company_delete BEFORE DELETE ON company
                   FOR EACH ROW EXECUTE FUNCTION analytics_company_deleting()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER analytics_company_delete ON company`);
    await q.query(`DROP TRIGGER analytics_company_update ON company`);
    for (const op of ["insert", "update", "delete", "truncate"]) {
      await q.query(`DROP TRIGGER analytics_finance_${op} ON finance`);
      await q.query(`DROP TRIGGER analytics_tracked_file_${op} ON tracked_file`);
    }
    await q.query(`DROP FUNCTION analytics_company_deleting(), analytics_company_updated(), analytics_finance_truncated(), analytics_finance_changed(),
                   analytics_finance_excluded(), analytics_tracked_file_truncated(), analytics_tracked_file_changed()`);
    await q.query(`DROP TABLE analytics_finance_group`);
    await q.query(`DROP TABLE analytics_file_group`);
    await q.query(`CREATE INDEX queue_item_created_at_idx ON queue_item (created_at)`);
    await q.query(`DROP INDEX analytics_queue_item_created_at_cover_idx`);
    await q.query(`
      ALTER TABLE queue_item DROP COLUMN analytics_summarized, DROP COLUMN analytics_tests, DROP COLUMN analytics_failures,
        DROP COLUMN analytics_errors, DROP COLUMN analytics_skipped, DROP COLUMN analytics_test_seconds`);
  }
}
