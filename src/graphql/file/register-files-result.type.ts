import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("RegisterFilesResult")
export class RegisterFilesResultType {
  @Field(() => Int)
  created: number;

  @Field(() => Int, { description: "Same host and fullName seen again: size and runDir refreshed." })
  updated: number;
}
