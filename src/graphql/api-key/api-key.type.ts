import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../scalars";
import { UserType } from "../user/user.type";

@ObjectType("ApiKey")
export class ApiKeyType {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => DateTime)
  createdAt: Date;

  @Field(() => DateTime, { nullable: true, description: "Recorded in batches: up to about ten seconds late." })
  lastUsedAt: Date | null;

  @Field(() => DateTime, { nullable: true })
  revokedAt: Date | null;

  @Field(() => UserType)
  user: UserType;
}

@ObjectType("ApiKeyCreated")
export class ApiKeyCreatedType {
  @Field(() => String, { description: "The secret, shown this once; only its hash is stored." })
  token: string;

  @Field(() => ApiKeyType)
  apiKey: ApiKeyType;
}
