import type { EntityManager } from "typeorm";
import { InvalidInputError } from "../shared/errors";
import { entityRows } from "../shared/entity-rows";
import { QueueItem, type TestSummary } from "./queue-item.entity";

/**
 * Claiming and finishing queue items: the worker's side of the queue.
 *
 * A claim is a lease: the worker owns a RUNNING item until `lease_expires_at`, and
 * renews it while it works. A worker that dies stops renewing; once the lease has
 * expired, any worker may claim the item again. Every write after the claim is
 * fenced by (lease_owner, attempts): the claim increments `attempts`, so even a
 * process that reclaims its own expired item (same lease_owner) cannot have its
 * stale first attempt overwrite the second.
 */

/** Written to lastError of an item that was still QUEUED (or abandoned) when its time to live passed. */
export const TTL_PASSED_ERROR = "time to live passed before processing";

export interface ClaimRunsProps {
  /** Identifies this worker process in lease_owner (hostname:pid:random). 1..255 characters. */
  workerId: string;
  /** Most items to claim, 1..1000. */
  limit: number;
  /** Lease length in ms; the worker must renew before it runs out. At least 1000. */
  leaseMs: number;
  /** Claims allowed per item: an expired lease on an item claimed this many times fails it instead. At least 1. */
  maxAttempts: number;
}

export interface ClaimRunsResult {
  /** Items now RUNNING under this worker's lease, oldest first. */
  claimed: QueueItem[];
  /** Items failed by this call because their time to live had passed (TTL_PASSED_ERROR). */
  expired: number;
  /** Items failed by this call because their lease expired on the last allowed attempt. */
  exhausted: number;
}

/** A claimed item, or anything carrying its fencing token. */
export type RunClaim = Pick<QueueItem, "id" | "attempts" | "leaseOwner">;

function checkClaimProps(props: ClaimRunsProps): void {
  const { workerId, limit, leaseMs, maxAttempts } = props;
  if (typeof workerId !== "string" || workerId.trim() === "" || workerId.length > 255) {
    throw new InvalidInputError("workerId must be 1 to 255 characters", "workerId");
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidInputError("limit must be an integer from 1 to 1000", "limit");
  if (!Number.isInteger(leaseMs) || leaseMs < 1000) throw new InvalidInputError("leaseMs must be an integer of at least 1000", "leaseMs");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new InvalidInputError("maxAttempts must be a positive integer", "maxAttempts");
}

/**
 * Claims up to `limit` items, oldest (lowest id) first: QUEUED items, and RUNNING
 * items whose lease has expired (their worker died or hung). One statement, one
 * round trip, that also settles the items that must not run:
 *
 * - an item whose time to live has passed becomes FAILED with TTL_PASSED_ERROR.
 *   FAILED rather than CANCELLED: the run was wanted and its results were never
 *   collected, which is what a dashboard reader must notice (workers down or too
 *   few); CANCELLED stays what it means in cancelQueueItem, somebody's decision.
 *   An item already RUNNING under a live lease is left alone when its TTL passes:
 *   the TTL bounds how long a run may wait, not how long it may take.
 * - an expired-lease item already claimed `maxAttempts` times becomes FAILED with
 *   "lease expired N times" instead of being claimed again.
 *
 * All three sets are chosen with FOR UPDATE SKIP LOCKED, so concurrent workers
 * never block each other and never claim the same item; their predicates are
 * disjoint, so no row is touched twice by the statement. Candidates are found via
 * the partial indexes on QUEUED and RUNNING rows, so the cost does not grow with
 * the history of finished items.
 */
export async function claimRuns(em: EntityManager, props: ClaimRunsProps): Promise<ClaimRunsResult> {
  checkClaimProps(props);
  const { workerId, limit, leaseMs, maxAttempts } = props;
  const rows: { claimed: Record<string, unknown>[]; expired: string; exhausted: string }[] = await em.query(
    `WITH ttl_passed AS (
       UPDATE queue_item SET status = 'FAILED', finished_at = now(), last_error = $5, lease_expires_at = NULL
       WHERE id IN (
         SELECT id FROM queue_item
         WHERE time_to_live <= now()
           AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_expires_at < now()))
         FOR UPDATE SKIP LOCKED)
       RETURNING id
     ),
     exhausted AS (
       UPDATE queue_item SET status = 'FAILED', finished_at = now(),
         last_error = 'lease expired ' || attempts || ' times', lease_expires_at = NULL
       WHERE id IN (
         SELECT id FROM queue_item
         WHERE status = 'RUNNING' AND lease_expires_at < now() AND attempts >= $4 AND time_to_live > now()
         FOR UPDATE SKIP LOCKED)
       RETURNING id
     ),
     claimed AS (
       UPDATE queue_item q SET status = 'RUNNING', lease_owner = $1,
         lease_expires_at = now() + $3 * interval '1 millisecond',
         attempts = q.attempts + 1, started_at = now(), finished_at = NULL
       WHERE q.id IN (
         SELECT id FROM queue_item
         WHERE time_to_live > now()
           AND (status = 'QUEUED' OR (status = 'RUNNING' AND lease_expires_at < now() AND attempts < $4))
         ORDER BY id
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING q.*
     )
     SELECT (SELECT coalesce(json_agg(c ORDER BY c.id), '[]'::json) FROM claimed c) AS claimed,
            (SELECT count(*) FROM ttl_passed) AS expired,
            (SELECT count(*) FROM exhausted) AS exhausted`,
    [workerId, limit, leaseMs, maxAttempts, TTL_PASSED_ERROR],
  );
  const row = rows[0];
  // json_agg keeps the column names, so the entity's one row mapper reads them (timestamps arrive as text).
  const item = entityRows(em, QueueItem, "q");
  return { claimed: row.claimed.map(item.map), expired: Number(row.expired), exhausted: Number(row.exhausted) };
}

function leaseOwnerOf(claim: RunClaim): string {
  if (!claim.leaseOwner) throw new Error(`queue item ${claim.id} carries no lease owner: pass the item claimRuns returned`);
  return claim.leaseOwner;
}

/** Runs one fenced UPDATE on a RUNNING item; true when this claim still held the lease. */
async function updateHeld(em: EntityManager, claim: RunClaim, set: string, params: unknown[]): Promise<boolean> {
  // Wrapped in a SELECT: for a bare UPDATE, TypeORM's query() returns [rows, rowCount] instead of the rows.
  const result: unknown[] = await em.query(
    `WITH updated AS (
       UPDATE queue_item SET ${set}
       WHERE id = $1 AND status = 'RUNNING' AND lease_owner = $2 AND attempts = $3
       RETURNING id)
     SELECT id FROM updated`,
    [claim.id, leaseOwnerOf(claim), claim.attempts, ...params],
  );
  return result.length > 0;
}

/**
 * Extends the lease to now + leaseMs. False when the claim is no longer held (the
 * lease expired and another worker claimed the item, or it was finished): the
 * caller must stop working on it. A renewal after expiry that nobody else noticed
 * succeeds: the item was not taken, so continuing is safe.
 */
export function renewLease(em: EntityManager, claim: RunClaim, leaseMs: number): Promise<boolean> {
  return updateHeld(em, claim, `lease_expires_at = now() + $4 * interval '1 millisecond'`, [leaseMs]);
}

/**
 * Marks the item SUCCEEDED with its summary, only if this claim still holds it;
 * returns whether it did. lastError from an earlier attempt is cleared. lease_owner
 * is kept as the worker that processed the item.
 */
export function completeRun(em: EntityManager, claim: RunClaim, summary: TestSummary): Promise<boolean> {
  return updateHeld(
    em,
    claim,
    `status = 'SUCCEEDED', summary = $4::jsonb, finished_at = now(), last_error = NULL, lease_expires_at = NULL`,
    [JSON.stringify(summary)],
  );
}

/** Marks the item FAILED with `error` as lastError, only if this claim still holds it; returns whether it did. */
export function failRun(em: EntityManager, claim: RunClaim, error: string): Promise<boolean> {
  return updateHeld(em, claim, `status = 'FAILED', last_error = $4, finished_at = now(), lease_expires_at = NULL`, [
    error.slice(0, 10_000),
  ]);
}

/**
 * Puts the item back to QUEUED for another worker, undoing this claim's attempt
 * (a clean shutdown is not a failed attempt). Only if this claim still holds it;
 * returns whether it did.
 */
export function releaseRun(em: EntityManager, claim: RunClaim): Promise<boolean> {
  return updateHeld(
    em,
    claim,
    `status = 'QUEUED', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL, started_at = NULL`,
    [],
  );
}
