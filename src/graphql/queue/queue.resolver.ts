import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { TrackedFile } from "../../domain/file/tracked-file.entity";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import { cancelQueueItem, enqueueRuns, getQueueItem, listQueue, purgeQueue } from "../../domain/queue/queue.service";
import { checkPageSize, parseId } from "../../domain/shared/pagination";
import type { GraphQLContext } from "../context";
import { TrackedFileType } from "../file/tracked-file.type";
import { DateTime } from "../scalars";
import { EnqueueRunInput, QueueFilter } from "./queue.inputs";
import { QueueItemConnection, QueueItemType } from "./queue-item.type";

@Resolver(() => QueueItemType)
export class QueueResolver {
  @Authorized("READER")
  @Query(() => QueueItemConnection, { description: "Queue items, newest first." })
  async queue(
    @Ctx() { em }: GraphQLContext,
    @Arg("first", () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Arg("filter", () => QueueFilter, { nullable: true }) filter: QueueFilter | null,
  ): Promise<QueueItemConnection> {
    return QueueItemConnection.from(await listQueue(em, { first: first ?? 50, after, filter }));
  }

  @Authorized("READER")
  @Query(() => QueueItemType, { nullable: true, description: "Null when there is none." })
  queueItem(@Arg("id", () => ID) id: string, @Ctx() { em }: GraphQLContext): Promise<QueueItem | null> {
    return getQueueItem(em, parseId(id));
  }

  @FieldResolver(() => [TrackedFileType], { description: "Files this item registered, newest first; batched for all items of a response." })
  files(
    @Root() item: QueueItem,
    @Ctx() { loaders }: GraphQLContext,
    @Arg("first", () => Int, { nullable: true, defaultValue: 100 }) first: number | null,
  ): Promise<TrackedFile[]> {
    const limit = first ?? 100;
    checkPageSize(limit);
    return loaders.filesByQueueItem.load({ queueItemId: item.id, first: limit });
  }

  @Authorized("WRITER")
  @Mutation(() => [QueueItemType], {
    description: "Enqueue runs; a run already QUEUED or RUNNING (same host and runDir) returns its existing item. One transaction.",
  })
  enqueueRuns(@Arg("runs", () => [EnqueueRunInput]) runs: EnqueueRunInput[], @Ctx() { em }: GraphQLContext): Promise<QueueItem[]> {
    return enqueueRuns(em, runs);
  }

  @Authorized("WRITER")
  @Mutation(() => QueueItemType, { description: "Only QUEUED items; BAD_USER_INPUT otherwise, NOT_FOUND for an unknown id." })
  cancelQueueItem(@Arg("id", () => ID) id: string, @Ctx() { em }: GraphQLContext): Promise<QueueItem> {
    return cancelQueueItem(em, parseId(id));
  }

  @Authorized("WRITER")
  @Mutation(() => Int, { description: "Delete QUEUED items whose timeToLive is later than the given time; returns how many." })
  purgeQueue(@Arg("timeToLiveAfter", () => DateTime) timeToLiveAfter: Date, @Ctx() { em }: GraphQLContext): Promise<number> {
    return purgeQueue(em, timeToLiveAfter);
  }
}
