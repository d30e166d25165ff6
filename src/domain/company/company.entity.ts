import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import type { Finance } from "./finance.entity";

@Entity({ name: "company" })
export class Company {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  /** Unique case-insensitively (unique index on lower(name)). */
  @Column({ type: "varchar", length: 140 })
  name: string;

  @Column({ type: "varchar", length: 200, nullable: true })
  ceo: string | null;

  @Column({ name: "business_type", type: "varchar", length: 200, nullable: true })
  businessType: string | null;

  @CreateDateColumn({ name: "created_at", type: "timestamptz" })
  createdAt: Date;

  @UpdateDateColumn({ name: "updated_at", type: "timestamptz" })
  updatedAt: Date;

  @OneToMany("Finance", (finance: Finance) => finance.company)
  finances?: Finance[];
}
