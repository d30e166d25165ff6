import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { UnauthenticatedError } from "../../domain/shared/errors";
import type { User } from "../../domain/user/user.entity";
import { createUser, listUsers } from "../../domain/user/user.service";
import type { GraphQLContext } from "../context";
import { CreateUserInput } from "./user.inputs";
import { UserType } from "./user.type";

@Resolver(() => UserType)
export class UserResolver {
  @Authorized("READER")
  @Query(() => UserType, { description: "The user of the API key that sent the request." })
  me(@Ctx() { user }: GraphQLContext): User {
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  @Authorized("ADMIN")
  @Query(() => [UserType])
  users(@Ctx() { em }: GraphQLContext): Promise<User[]> {
    return listUsers(em);
  }

  @Authorized("ADMIN")
  @Mutation(() => UserType)
  createUser(@Arg("input", () => CreateUserInput) input: CreateUserInput, @Ctx() { em }: GraphQLContext): Promise<User> {
    return createUser(em, input);
  }
}
