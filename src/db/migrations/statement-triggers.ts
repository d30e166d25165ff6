import type { QueryRunner } from "typeorm";

export type TriggerEvent = "INSERT" | "UPDATE" | "DELETE";

export interface StatementTriggers {
  table: string;
  /** The trigger function, called without arguments. */
  fn: string;
  /** The trigger's name for an event. */
  name: (event: TriggerEvent) => string;
  /** The transition tables: the statement's old rows (UPDATE, DELETE) and new rows (INSERT, UPDATE). */
  oldRows: string;
  newRows: string;
  events?: readonly TriggerEvent[];
}

/**
 * One AFTER ... FOR EACH STATEMENT trigger per event on `table`, each calling `fn()`
 * with the transition tables that event has: a statement touching 10,000 rows runs
 * the function once, with all of them.
 */
export async function createStatementTriggers(q: QueryRunner, triggers: StatementTriggers): Promise<void> {
  const { table, fn, name, oldRows, newRows, events = ["INSERT", "UPDATE", "DELETE"] } = triggers;
  for (const event of events) {
    const transition = [event === "INSERT" ? "" : `OLD TABLE AS ${oldRows}`, event === "DELETE" ? "" : `NEW TABLE AS ${newRows}`].filter(Boolean).join(" ");
    await q.query(`CREATE TRIGGER ${name(event)} AFTER ${event} ON ${table} REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  }
}
