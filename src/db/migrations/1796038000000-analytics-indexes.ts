import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Indexes for the grouped aggregates (src/domain/analytics), chosen from
 * EXPLAIN (ANALYZE, BUFFERS) at the bench's sizes (README, "Analytics").
 *
 * Only one: runAggregates over the charts' 7/30/90-day windows becomes a bitmap
 * range scan of the window instead of a scan of the whole queue. Tried and left
 * out: a covering index tracked_file (host) INCLUDE (file_size, created_at) for
 * files by host. At 1,000,000 rows PostgreSQL kept the parallel seq scan + partial
 * hash aggregate (estimated cheaper), so the index would only have slowed
 * registerFiles. finance by year needs every row of the table either way.
 */
export class AnalyticsIndexes1796038000000 implements MigrationInterface {
  name = "AnalyticsIndexes1796038000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX queue_item_created_at_idx ON queue_item (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX queue_item_created_at_idx`);
  }
}
