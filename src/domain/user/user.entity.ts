import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

export const ROLES = ["READER", "WRITER", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

/** READER < WRITER < ADMIN: each role may do everything the ones before it may. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

@Entity({ name: "app_user" })
export class User {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  /** Unique case-insensitively. */
  @Column({ type: "varchar", length: 64 })
  username: string;

  @Column({ type: "varchar", length: 320, nullable: true })
  email: string | null;

  @Column({ type: "varchar", length: 16 })
  role: Role;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;
}
