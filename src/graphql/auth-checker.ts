import type { AuthChecker } from "type-graphql";
import { ForbiddenError, UnauthenticatedError } from "../domain/shared/errors";
import { roleAtLeast, type Role } from "../domain/user/user.entity";
import type { GraphQLContext } from "./context";

/**
 * `@Authorized("WRITER")` means "WRITER or above". Throws instead of returning
 * false: TypeGraphQL's own AuthorizationError would say UNAUTHORIZED for both
 * cases, while the contract tells "no key" (UNAUTHENTICATED) from "role too low" (FORBIDDEN).
 */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  const user = context.user;
  if (!user) throw new UnauthenticatedError();
  const required = roles.length === 0 ? "READER" : roles[0];
  if (!roleAtLeast(user.role, required)) {
    throw new ForbiddenError(`this operation needs the ${required} role; your key's user is ${user.role}`);
  }
  return true;
};
