import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

export const QUEUE_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];

/** Test-result counts summed over the JUnit XML files of one run. */
export interface TestSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  durationSeconds: number;
}

/** A run directory waiting to be processed by a worker. */
@Entity({ name: "queue_item" })
export class QueueItem {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;

  @Column({ name: "time_to_live", type: "timestamptz" })
  timeToLive: Date;

  @Column({ name: "run_dir", type: "text" })
  runDir: string;

  @Column({ type: "varchar", length: 255 })
  owner: string;

  @Column({ type: "varchar", length: 255, nullable: true })
  site: string | null;

  @Column({ type: "varchar", length: 255, nullable: true })
  host: string | null;

  @Column({ name: "run_tag", type: "varchar", length: 255 })
  runTag: string;

  @Column({ name: "user_tag", type: "varchar", length: 255 })
  userTag: string;

  @Column({ type: "varchar", length: 16 })
  status: QueueStatus;

  @Column({ type: "integer", default: 0 })
  attempts: number;

  @Column({ name: "started_at", type: "timestamptz", nullable: true })
  startedAt: Date | null;

  @Column({ name: "finished_at", type: "timestamptz", nullable: true })
  finishedAt: Date | null;

  @Column({ name: "last_error", type: "text", nullable: true })
  lastError: string | null;

  /** Worker that holds the claim while RUNNING (hostname:pid:random). */
  @Column({ name: "lease_owner", type: "varchar", length: 255, nullable: true })
  leaseOwner: string | null;

  /** A RUNNING item whose lease has expired is claimable again. */
  @Column({ name: "lease_expires_at", type: "timestamptz", nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ type: "jsonb", nullable: true })
  summary: TestSummary | null;
}
