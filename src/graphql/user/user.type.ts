import { Field, ID, ObjectType } from "type-graphql";
import { DateTime } from "../scalars";
import { RoleEnum } from "../shared/enums";

@ObjectType("User")
export class UserType {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  username: string;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => RoleEnum)
  role: RoleEnum;

  @Field(() => DateTime)
  createdAt: Date;
}
