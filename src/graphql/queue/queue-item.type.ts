import { Field, ID, Int, ObjectType } from "type-graphql";
import type { QueueItem, QueueStatus, TestSummary } from "../../domain/queue/queue-item.entity";
import type { Page } from "../../domain/shared/pagination";
import { DateTime } from "../scalars";
import { Connection } from "../shared/connection.type";
import { QueueStatusEnum } from "../shared/enums";
import { TestSummaryType } from "./test-summary.type";

/** Fields are read from the domain entity by name; `files` is a field resolver. */
@ObjectType("QueueItem", { simpleResolvers: true })
export class QueueItemType {
  @Field(() => ID)
  id: number;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime, { description: "Default: 24 hours after enqueueing." })
  timeToLive: Date;

  @Field(() => String)
  runDir: string;

  @Field(() => String)
  owner: string;

  @Field(() => String, { nullable: true })
  site: string | null;

  @Field(() => String, { nullable: true })
  host: string | null;

  @Field(() => String, { description: 'Default "Development".' })
  runTag: string;

  @Field(() => String, { description: 'Default "".' })
  userTag: string;

  @Field(() => QueueStatusEnum)
  status: QueueStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => DateTime, { nullable: true })
  startedAt: Date | null;

  @Field(() => DateTime, { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, { nullable: true })
  lastError: string | null;

  @Field(() => TestSummaryType, { nullable: true, description: "Null until processed." })
  summary: TestSummary | null;
}

@ObjectType("QueueItemConnection", { simpleResolvers: true })
export class QueueItemConnection extends Connection(QueueItemType, "QueueItem") {
  static from(page: Page<QueueItem>): QueueItemConnection {
    return new QueueItemConnection().fill(page);
  }
}
