import type { MigrationInterface, QueryRunner } from "typeorm";
import { createStatementTriggers, type TriggerEvent } from "./statement-triggers";

const PAST: Record<TriggerEvent, string> = { INSERT: "inserted", UPDATE: "updated", DELETE: "deleted" };
/** `queue_item_inserted`, `queue_item_updated`, ...: the triggers down() drops. */
const changeTrigger = (table: string) => (event: TriggerEvent) => `${table}_${PAST[event]}`;

/**
 * Live updates: statement-level triggers that NOTIFY `dashql_changes` with the
 * ids (and kinds) of the rows a statement changed.
 *
 * Triggers rather than pg_notify calls in the services, because they catch every
 * writer: servers, `dashql work`, the command line, `dashql shell` and plain SQL.
 * A notification is queued by the writing transaction and delivered only when it
 * commits, so a rolled-back change sends nothing.
 *
 * Statement-level with transition tables: one notification per statement (and
 * per ~7,900 bytes of ids), whatever the number of rows, instead of one per row.
 * PostgreSQL refuses payloads of 8,000 bytes or more; dashql_notify splits.
 *
 * Payload: {"e": entity, "k": kind, "at": epoch ms, "tx": txid, "ids": [...]}
 * - e "queue": ids are queue item ids; for kind DELETED each element is
 *   [id, status, owner, runTag, host] (the subscription filter applies to the
 *   item before deletion, and the row is gone by the time a server reads it);
 * - e "company": company ids (a finance change is an UPDATED of its company);
 * - e "files": [host, runDir, count] per run directory of the statement;
 *   kind CREATED counts inserted rows, UPDATED re-registered ones.
 * Updates that change nothing a client can see (a worker's lease heartbeat, a
 * file's queue item set to null by a purge) send nothing.
 */
export class ChangeNotifications1796041000000 implements MigrationInterface {
  name = "ChangeNotifications1796041000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION dashql_notify(entity text, kind text, items text[]) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        head text := '{"e":"' || entity || '","k":"' || kind || '","at":'
          || floor(extract(epoch FROM statement_timestamp()) * 1000)::bigint
          || ',"tx":' || txid_current() || ',"ids":[';
        body text := '';
        item text;
      BEGIN
        IF items IS NULL OR cardinality(items) = 0 THEN
          RETURN;
        END IF;
        FOREACH item IN ARRAY items LOOP
          IF body <> '' AND octet_length(head) + octet_length(body) + octet_length(item) + 3 > 7900 THEN
            PERFORM pg_notify('dashql_changes', head || body || ']}');
            body := '';
          END IF;
          body := CASE WHEN body = '' THEN item ELSE body || ',' || item END;
        END LOOP;
        PERFORM pg_notify('dashql_changes', head || body || ']}');
      END $$`);

    // ---- queue items
    await q.query(`
      CREATE FUNCTION dashql_queue_item_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM dashql_notify('queue', 'CREATED', ARRAY(SELECT r.id::text FROM new_rows r ORDER BY r.id));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM dashql_notify('queue', 'UPDATED', ARRAY(
            SELECT n.id::text FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.status, n.attempts, n.started_at, n.finished_at, n.last_error, n.summary, n.time_to_live,
                    n.run_dir, n.owner, n.site, n.host, n.run_tag, n.user_tag)
                   IS DISTINCT FROM
                   (o.status, o.attempts, o.started_at, o.finished_at, o.last_error, o.summary, o.time_to_live,
                    o.run_dir, o.owner, o.site, o.host, o.run_tag, o.user_tag)
             ORDER BY n.id));
        ELSE
          PERFORM dashql_notify('queue', 'DELETED', ARRAY(
            SELECT json_build_array(id, status, owner, run_tag, host)::text FROM old_rows ORDER BY id));
        END IF;
        RETURN NULL;
      END $$`);
    await createStatementTriggers(q, { table: "queue_item", fn: "dashql_queue_item_changed", name: changeTrigger("queue_item"), oldRows: "old_rows", newRows: "new_rows" });

    // ---- companies, and their finances as UPDATED of the company
    await q.query(`
      CREATE FUNCTION dashql_company_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM dashql_notify('company', 'CREATED', ARRAY(SELECT r.id::text FROM new_rows r ORDER BY r.id));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM dashql_notify('company', 'UPDATED', ARRAY(
            SELECT n.id::text FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.name, n.ceo, n.business_type) IS DISTINCT FROM (o.name, o.ceo, o.business_type)
             ORDER BY n.id));
        ELSE
          PERFORM dashql_notify('company', 'DELETED', ARRAY(SELECT r.id::text FROM old_rows r ORDER BY r.id));
        END IF;
        RETURN NULL;
      END $$`);
    await createStatementTriggers(q, { table: "company", fn: "dashql_company_changed", name: changeTrigger("company"), oldRows: "old_rows", newRows: "new_rows" });

    // A finance row deleted by its company's cascade names a company that is gone: the
    // company's DELETED says it all, so only companies that still exist are sent.
    await q.query(`
      CREATE FUNCTION dashql_finance_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM dashql_notify('company', 'UPDATED', ARRAY(SELECT DISTINCT company_id::text FROM new_rows));
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM dashql_notify('company', 'UPDATED', ARRAY(
            SELECT company_id::text FROM new_rows UNION SELECT company_id::text FROM old_rows));
        ELSE
          PERFORM dashql_notify('company', 'UPDATED', ARRAY(
            SELECT DISTINCT o.company_id::text FROM old_rows o WHERE EXISTS (SELECT 1 FROM company c WHERE c.id = o.company_id)));
        END IF;
        RETURN NULL;
      END $$`);
    await createStatementTriggers(q, { table: "finance", fn: "dashql_finance_changed", name: changeTrigger("finance"), oldRows: "old_rows", newRows: "new_rows" });

    // ---- tracked files: counts per run directory
    await q.query(`
      CREATE FUNCTION dashql_tracked_file_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM dashql_notify('files', 'CREATED', ARRAY(
            SELECT json_build_array(host, run_dir, count(*))::text FROM new_rows GROUP BY host, run_dir ORDER BY host, run_dir));
        ELSE
          PERFORM dashql_notify('files', 'UPDATED', ARRAY(
            SELECT json_build_array(n.host, n.run_dir, count(*))::text
              FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.updated_at, n.run_dir, n.file_size) IS DISTINCT FROM (o.updated_at, o.run_dir, o.file_size)
             GROUP BY n.host, n.run_dir ORDER BY n.host, n.run_dir));
        END IF;
        RETURN NULL;
      END $$`);
    await createStatementTriggers(q, { table: "tracked_file", fn: "dashql_tracked_file_changed", name: changeTrigger("tracked_file"), oldRows: "old_rows", newRows: "new_rows", events: ["INSERT", "UPDATE"] });
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, events] of [
      ["queue_item", ["inserted", "updated", "deleted"]],
      ["company", ["inserted", "updated", "deleted"]],
      ["finance", ["inserted", "updated", "deleted"]],
      ["tracked_file", ["inserted", "updated"]],
    ] as const) {
      for (const event of events) await q.query(`DROP TRIGGER IF EXISTS ${table}_${event} ON ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS dashql_tracked_file_changed()`);
    await q.query(`DROP FUNCTION IF EXISTS dashql_finance_changed()`);
    await q.query(`DROP FUNCTION IF EXISTS dashql_company_changed()`);
    await q.query(`DROP FUNCTION IF EXISTS dashql_queue_item_changed()`);
    await q.query(`DROP FUNCTION IF EXISTS dashql_notify(text, text, text[])`);
  }
}
