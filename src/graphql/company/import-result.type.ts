import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("ImportResult")
export class ImportResultType {
  @Field(() => Int)
  companiesCreated: number;

  @Field(() => Int)
  companiesUpdated: number;

  @Field(() => Int)
  financesWritten: number;
}
