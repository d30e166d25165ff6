import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from "typeorm";
import { bigintToNumber } from "../shared/transformers";
import type { QueueItem } from "../queue/queue-item.entity";

/** A test-result file on some server, registered centrally. Unique per (host, fullName). */
@Entity({ name: "tracked_file" })
export class TrackedFile {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt: Date;

  /** The machine the file lives on. */
  @Column({ type: "varchar", length: 255 })
  host: string;

  @Column({ name: "run_dir", type: "text" })
  runDir: string;

  /** Directory of the file. */
  @Column({ name: "file_path", type: "text" })
  filePath: string;

  @Column({ name: "file_name", type: "text" })
  fileName: string;

  /** filePath joined with fileName. */
  @Column({ name: "full_name", type: "text" })
  fullName: string;

  /** Extension without the dot, lower case ("xml", "log"); "" when there is none. */
  @Column({ name: "file_type", type: "varchar", length: 64 })
  fileType: string;

  @Column({ name: "file_size", type: "bigint", transformer: bigintToNumber })
  fileSize: number;

  @Column({ name: "queue_item_id", type: "integer", nullable: true })
  queueItemId: number | null;

  @ManyToOne("QueueItem", { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "queue_item_id" })
  queueItem?: Relation<QueueItem> | null;
}
