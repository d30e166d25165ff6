import { Field, InputType } from "type-graphql";
import { RoleEnum } from "../shared/enums";

@InputType("CreateUserInput")
export class CreateUserInput {
  @Field(() => String, { description: "1..64 letters, digits, '.', '-' or '_'; unique case-insensitively." })
  username: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => RoleEnum)
  role: RoleEnum;
}
