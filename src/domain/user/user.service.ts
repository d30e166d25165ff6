import type { EntityManager } from "typeorm";
import { ConflictError, InvalidInputError, isUniqueViolation } from "../shared/errors";
import { ROLES, User, type Role } from "./user.entity";

export interface CreateUserProps {
  /** 1..64 characters: letters, digits, dot, dash, underscore. Unique case-insensitively. */
  username: string;
  email?: string | null;
  role: Role;
}

const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
// Deliberately loose: one @, something on each side, a dot in the domain. Delivery is the real check.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkRole(role: string, field = "role"): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new InvalidInputError(`${field} must be one of ${ROLES.join(", ")} (got "${role}")`, field);
  }
  return role as Role;
}

export async function createUser(em: EntityManager, props: CreateUserProps): Promise<User> {
  const username = props.username?.trim() ?? "";
  if (!USERNAME.test(username)) {
    throw new InvalidInputError("username must be 1 to 64 letters, digits, '.', '-' or '_'", "username");
  }
  const email = props.email?.trim() || null;
  if (email !== null && (email.length > 320 || !EMAIL.test(email))) {
    throw new InvalidInputError(`email "${email}" is not an email address`, "email");
  }
  const role = checkRole(props.role);
  try {
    return await em.save(em.create(User, { username, email, role }));
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`a user named "${username}" already exists`, { field: "username" });
    throw error;
  }
}

export async function listUsers(em: EntityManager): Promise<User[]> {
  return em.find(User, { order: { id: "ASC" } });
}

export async function findUserByName(em: EntityManager, username: string): Promise<User | null> {
  return em
    .getRepository(User)
    .createQueryBuilder("u")
    .where("lower(u.username) = lower(:username)", { username: username.trim() })
    .getOne();
}
