import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { TrackedFile } from "../../domain/file/tracked-file.entity";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import { cancelQueueItem, enqueueRuns, getQueueItem, listQueue, purgeQueue } from "../../domain/queue/queue.service";
import { parseId } from "../../domain/shared/id";
import { checkPageSize } from "../../domain/shared/pagination";
import type { GraphQLContext } from "../context";
import { TrackedFileType } from "../file/tracked-file.type";
import { DateTime } from "../scalars";
import { QueueArgs, QueueItemFilesArgs } from "./queue.args";
import { EnqueueRunInput } from "./queue.inputs";
import { QueueItemConnection, QueueItemType } from "./queue-item.type";

@Resolver(() => QueueItemType)
export class QueueResolver {
  @Authorized("READER")
  @Query(() => QueueItemConnection, { description: "Queue items, newest first." })
  async queue(@Args(() => QueueArgs) args: QueueArgs, @Ctx() { em }: GraphQLContext): Promise<QueueItemConnection> {
    return QueueItemConnection.from(await listQueue(em, { first: args.pageSize, after: args.after, filter: args.filter }));
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
    @Args(() => QueueItemFilesArgs) args: QueueItemFilesArgs,
  ): Promise<TrackedFile[]> {
    checkPageSize(args.pageSize);
    return loaders.filesByQueueItem.load({ queueItemId: item.id, first: args.pageSize });
  }

  @Authorized("WRITER")
  @Mutation(() => [QueueItemType], {
    description: "Enqueue runs; a run already QUEUED or RUNNING (same host and runDir) returns its existing item. One transaction.",
  })
  async enqueueRuns(@Arg("runs", () => [EnqueueRunInput]) runs: EnqueueRunInput[], @Ctx() { em }: GraphQLContext): Promise<QueueItem[]> {
    return (await enqueueRuns(em, runs)).items;
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
