import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { listFiles, registerFiles, type RegisterFilesResult } from "../../domain/file/file.service";
import type { TrackedFile } from "../../domain/file/tracked-file.entity";
import type { QueueItem } from "../../domain/queue/queue-item.entity";
import type { GraphQLContext } from "../context";
import { QueueItemType } from "../queue/queue-item.type";
import { FilesArgs } from "./file.args";
import { FileInput } from "./file.inputs";
import { RegisterFilesResultType } from "./register-files-result.type";
import { TrackedFileConnection, TrackedFileType } from "./tracked-file.type";

@Resolver(() => TrackedFileType)
export class FileResolver {
  @Authorized("READER")
  @Query(() => TrackedFileConnection, { description: "Tracked files, newest first." })
  async files(@Args(() => FilesArgs) args: FilesArgs, @Ctx() { em }: GraphQLContext): Promise<TrackedFileConnection> {
    return TrackedFileConnection.from(await listFiles(em, { first: args.pageSize, after: args.after, filter: args.filter }));
  }

  @FieldResolver(() => QueueItemType, { nullable: true, description: "The queue item whose processing registered this file, if any." })
  async queueItem(@Root() file: TrackedFile, @Ctx() { loaders }: GraphQLContext): Promise<QueueItem | null> {
    return file.queueItemId === null ? null : loaders.queueItemById.load(file.queueItemId);
  }

  @Authorized("WRITER")
  @Mutation(() => RegisterFilesResultType, {
    description: "Insert or update files by (host, fullName), up to 10,000 per call; one transaction.",
  })
  registerFiles(@Arg("files", () => [FileInput]) files: FileInput[], @Ctx() { em }: GraphQLContext): Promise<RegisterFilesResult> {
    return registerFiles(em, files);
  }
}
