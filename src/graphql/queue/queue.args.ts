import { ArgsType, Field, Int } from "type-graphql";
import { PageArgs } from "../shared/page.args";
import { QueueFilter } from "./queue.inputs";

@ArgsType()
export class QueueArgs extends PageArgs(50) {
  @Field(() => QueueFilter, { nullable: true })
  filter: QueueFilter | null;
}

const ITEM_FILES_DEFAULT_FIRST = 100;

/** A queue item's own files: the newest `first`, no cursor. */
@ArgsType()
export class QueueItemFilesArgs {
  @Field(() => Int, { nullable: true, defaultValue: ITEM_FILES_DEFAULT_FIRST })
  first: number | null;

  get pageSize(): number {
    return this.first ?? ITEM_FILES_DEFAULT_FIRST;
  }
}
