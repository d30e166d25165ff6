import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from "typeorm";
import { numericToNumber } from "../shared/transformers";
import type { Company } from "./company.entity";

/** One company's earnings for one year; unique per (company, year). */
@Entity({ name: "finance" })
export class Finance {
  @PrimaryGeneratedColumn({ type: "integer" })
  id: number;

  @Column({ name: "company_id", type: "integer" })
  companyId: number;

  @ManyToOne("Company", (company: Company) => company.finances, { onDelete: "CASCADE" })
  @JoinColumn({ name: "company_id" })
  company?: Relation<Company>;

  @Column({ type: "integer" })
  year: number;

  @Column({ name: "q1_earnings", type: "numeric", nullable: true, transformer: numericToNumber })
  q1Earnings: number | null;

  @Column({ name: "q2_earnings", type: "numeric", nullable: true, transformer: numericToNumber })
  q2Earnings: number | null;

  @Column({ name: "q3_earnings", type: "numeric", nullable: true, transformer: numericToNumber })
  q3Earnings: number | null;

  @Column({ name: "q4_earnings", type: "numeric", nullable: true, transformer: numericToNumber })
  q4Earnings: number | null;

  /**
   * Computed by PostgreSQL (a stored generated column), so the sum is exact
   * numeric arithmetic rather than float addition: 0.1 + 0.2 is 0.3.
   */
  @Column({
    name: "total_earnings",
    type: "numeric",
    nullable: true,
    insert: false,
    update: false,
    transformer: numericToNumber,
  })
  totalEarnings: number | null;
}
