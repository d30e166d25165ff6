import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Indexes for the grouped aggregates (src/domain/analytics), chosen from
 * EXPLAIN (ANALYZE, BUFFERS) at the bench's sizes (README, "Analytics": plans and figures).
 */
export class AnalyticsIndexes1796038000000 implements MigrationInterface {
  name = "AnalyticsIndexes1796038000000";

  async up(q: QueryRunner): Promise<void> {
    // runAggregates over a time window (the charts' 7/30/90 days): a bitmap range scan
    // of the window instead of a scan of the whole queue.
    await q.query(`CREATE INDEX queue_item_created_at_idx ON queue_item (created_at)`);
    // fileAggregates by HOST: an index-only scan in host order (GroupAggregate, no sort, no hash)
    // over ~40 bytes per file instead of the ~140-byte heap rows with their paths.
    await q.query(`CREATE INDEX tracked_file_host_size_idx ON tracked_file (host) INCLUDE (file_size, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tracked_file_host_size_idx`);
    await q.query(`DROP INDEX queue_item_created_at_idx`);
  }
}
