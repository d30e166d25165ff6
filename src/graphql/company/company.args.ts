import { ArgsType, Field, Int } from "type-graphql";
import { CompanyOrderByEnum } from "../shared/enums";
import { PageArgs } from "../shared/page.args";
import { CompanyFilter } from "./company.inputs";

@ArgsType()
export class CompaniesArgs extends PageArgs(20) {
  @Field(() => CompanyFilter, { nullable: true })
  filter: CompanyFilter | null;

  @Field(() => CompanyOrderByEnum, { nullable: true, defaultValue: CompanyOrderByEnum.NAME_ASC })
  orderBy: CompanyOrderByEnum | null;
}

@ArgsType()
export class FinancesArgs {
  @Field(() => Int, { nullable: true })
  fromYear: number | null;

  @Field(() => Int, { nullable: true })
  toYear: number | null;
}
