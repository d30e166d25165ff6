import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { ApiKey } from "../../domain/api-key/api-key.entity";
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyCreated } from "../../domain/api-key/api-key.service";
import { UnauthenticatedError } from "../../domain/shared/errors";
import { parseId } from "../../domain/shared/id";
import type { User } from "../../domain/user/user.entity";
import type { GraphQLContext } from "../context";
import { ApiKeyCreatedType, ApiKeyType } from "./api-key.type";

function actor(user: User | undefined): User {
  if (!user) throw new UnauthenticatedError();
  return user;
}

/** Any user manages their own keys; an ADMIN manages everyone's (checked in the service). */
@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Authorized("READER")
  @Query(() => [ApiKeyType], { description: "Your own keys; an ADMIN sees all." })
  apiKeys(@Ctx() { em, user }: GraphQLContext): Promise<ApiKey[]> {
    return listApiKeys(em, actor(user));
  }

  @Authorized("READER")
  @Mutation(() => ApiKeyCreatedType, { description: "A key for yourself, or (ADMIN) for the user `userId`." })
  createApiKey(
    @Arg("name", () => String) name: string,
    @Arg("userId", () => ID, { nullable: true }) userId: string | null,
    @Ctx() { em, user }: GraphQLContext,
  ): Promise<ApiKeyCreated> {
    return createApiKey(em, actor(user), { name, userId: userId == null ? null : parseId(userId, "userId") });
  }

  @Authorized("READER")
  @Mutation(() => Boolean, { description: "Revokes one of your keys (ADMIN: any key). Effective at once." })
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() { em, user, authenticator }: GraphQLContext): Promise<boolean> {
    const key = await revokeApiKey(em, actor(user), parseId(id));
    authenticator?.forgetKey(key.id);
    return true;
  }
}
