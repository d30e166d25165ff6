import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Indexes for the grouped aggregates (src/domain/analytics). Plans measured in
 * the bench's analytics phase (README, "Analytics"): see the notes per index.
 */
export class AnalyticsIndexes1796038000000 implements MigrationInterface {
  name = "AnalyticsIndexes1796038000000";

  async up(q: QueryRunner): Promise<void> {
    // runAggregates over a time window (the charts' 7/30/90 days): a range scan of
    // the window instead of the whole queue.
    await q.query(`CREATE INDEX queue_item_created_at_idx ON queue_item (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX queue_item_created_at_idx`);
  }
}
