import { Field, Float, InputType, Int } from "type-graphql";

@InputType("FinanceInput")
export class FinanceInput {
  @Field(() => Int, { description: "1900..2200" })
  year: number;

  @Field(() => Float, { nullable: true })
  q1Earnings?: number | null;

  @Field(() => Float, { nullable: true })
  q2Earnings?: number | null;

  @Field(() => Float, { nullable: true })
  q3Earnings?: number | null;

  @Field(() => Float, { nullable: true })
  q4Earnings?: number | null;
}

@InputType("CompanyFilter")
export class CompanyFilter {
  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the name." })
  nameContains?: string | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  businessType?: string | null;

  @Field(() => String, { nullable: true, description: "Exact match." })
  ceo?: string | null;
}

@InputType("CreateCompanyInput")
export class CreateCompanyInput {
  @Field(() => String, { description: "1..140 characters after trimming; unique case-insensitively." })
  name: string;

  @Field(() => String, { nullable: true })
  ceo?: string | null;

  @Field(() => String, { nullable: true })
  businessType?: string | null;

  @Field(() => [FinanceInput], { nullable: true, description: "Created in the same transaction: all or nothing." })
  finances?: FinanceInput[] | null;
}

@InputType("UpdateCompanyInput")
export class UpdateCompanyInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: "Null or \"\" clears it." })
  ceo?: string | null;

  @Field(() => String, { nullable: true, description: "Null or \"\" clears it." })
  businessType?: string | null;
}

@InputType("CompanyImportInput", {
  description:
    'One company in the shape of the import file: {"DATA": [ {COMPANY, COMPANY_CEO, BUSINESS_TYPE, FINANCE: [{YEAR, Q1_EARNINGS..Q4_EARNINGS}]} ]}',
})
export class CompanyImportInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  ceo?: string | null;

  @Field(() => String, { nullable: true })
  businessType?: string | null;

  @Field(() => [FinanceInput], { nullable: true })
  finances?: FinanceInput[] | null;
}
