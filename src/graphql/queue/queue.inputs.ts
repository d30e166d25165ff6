import { Field, InputType } from "type-graphql";
import { DateTime } from "../scalars";
import { QueueStatusEnum } from "../shared/enums";

@InputType("QueueFilter")
export class QueueFilter {
  @Field(() => QueueStatusEnum, { nullable: true })
  status?: QueueStatusEnum | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  owner?: string | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  runTag?: string | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  host?: string | null;
}

@InputType("EnqueueRunInput")
export class EnqueueRunInput {
  @Field(() => String, { description: "Directory of the run; with host, the key of an active (QUEUED or RUNNING) item." })
  runDir: string;

  @Field(() => String)
  owner: string;

  @Field(() => String, { nullable: true })
  site?: string | null;

  @Field(() => String, { nullable: true, description: 'Null and "" are the same host.' })
  host?: string | null;

  @Field(() => String, { nullable: true, description: 'Default "Development".' })
  runTag?: string | null;

  @Field(() => String, { nullable: true, description: 'Default "".' })
  userTag?: string | null;

  @Field(() => DateTime, { nullable: true, description: "Default: 24 hours from now; must be in the future." })
  timeToLive?: Date | null;
}
