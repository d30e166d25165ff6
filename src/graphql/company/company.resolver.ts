import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Company } from "../../domain/company/company.entity";
import type { Finance } from "../../domain/company/finance.entity";
import {
  createCompany,
  deleteCompany,
  getCompany,
  getCompanyWithFinances,
  importCompanies,
  listCompanies,
  updateCompany,
  upsertFinances,
  type ImportResult,
} from "../../domain/company/company.service";
import { loadFinances } from "../../domain/company/finance.loaders";
import { parseId } from "../../domain/shared/id";
import type { GraphQLContext } from "../context";
import { selectsPlainField, selectsPlainFieldIn } from "../shared/look-ahead";
import { CompanyConnection, CompanyType } from "./company.type";
import { CompaniesArgs, FinancesArgs } from "./company.args";
import { CompanyImportInput, CreateCompanyInput, FinanceInput, UpdateCompanyInput } from "./company.inputs";
import { ImportResultType } from "./import-result.type";
import { FinanceType } from "./finance.type";

/**
 * Finances already loaded for a company of this response (all years), kept on the
 * entity itself (entities are per request): in the profile, 100 WeakMap.set calls
 * took 2% of a 100-company page's CPU; the symbol property does not show.
 */
const LOADED_FINANCES = Symbol("loadedFinances");
type WithFinances = Company & { [LOADED_FINANCES]?: Finance[] };

/**
 * `Company.finances` answered synchronously when its company's resolver loaded
 * them (`company(id)`, `companies { nodes { finances } }`) and no year range is
 * asked; undefined otherwise. buildDashqlSchema puts it in front of TypeGraphQL's
 * resolver for that field, which answers every field with arguments with a
 * promise (its argument validation is async even when off): on a 100-company page
 * that was a promise, an args object and a DataLoader call per company.
 */
export function loadedFinancesOf(company: Company, args: { fromYear?: number | null; toYear?: number | null }): Finance[] | undefined {
  return args.fromYear == null && args.toYear == null ? (company as WithFinances)[LOADED_FINANCES] : undefined;
}

@Resolver(() => CompanyType)
export class CompanyResolver {
  @Authorized("READER")
  @Query(() => CompanyType, { nullable: true, description: "Null when there is none." })
  async company(
    @Arg("id", () => ID) id: string,
    @Ctx() { em }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Company | null> {
    if (!selectsPlainField(info, "finances")) return getCompany(em, parseId(id));
    // One statement instead of two for the dashboard's company page (bench Q2).
    const found = await getCompanyWithFinances(em, parseId(id));
    if (!found) return null;
    (found.company as WithFinances)[LOADED_FINANCES] = found.finances;
    return found.company;
  }

  @Authorized("READER")
  @Query(() => CompanyConnection)
  async companies(
    @Args(() => CompaniesArgs) args: CompaniesArgs,
    @Ctx() { em }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CompanyConnection> {
    const { after, filter, orderBy } = args;
    const page = await listCompanies(em, { first: args.pageSize, after, filter, orderBy });
    if (page.nodes.length > 0 && selectsPlainFieldIn(info, "nodes", "finances")) {
      // The one statement the finances loader would batch, run here for the page: no load per company.
      const lists = await loadFinances(em, page.nodes.map((company) => company.id));
      for (const company of page.nodes as WithFinances[]) company[LOADED_FINANCES] = lists.get(company.id) ?? [];
    }
    return CompanyConnection.from(page);
  }

  @FieldResolver(() => [FinanceType], {
    description: "Finance rows, newest year first. Loaded in one batch per request for all companies in the response.",
  })
  finances(
    @Root() company: Company,
    @Ctx() { loaders }: GraphQLContext,
    @Args(() => FinancesArgs) { fromYear, toYear }: FinancesArgs,
  ): Promise<Finance[]> {
    // Finances the company's resolver already loaded never get here: buildDashqlSchema answers them first (loadedFinancesOf).
    return loaders.financesByCompany.load({ companyId: company.id, fromYear, toYear });
  }

  @Authorized("WRITER")
  @Mutation(() => CompanyType, { description: "CONFLICT on a duplicate name." })
  createCompany(@Arg("input", () => CreateCompanyInput) input: CreateCompanyInput, @Ctx() { em }: GraphQLContext): Promise<Company> {
    return createCompany(em, input);
  }

  @Authorized("WRITER")
  @Mutation(() => CompanyType, { description: "NOT_FOUND for an unknown id, CONFLICT when the new name is taken." })
  updateCompany(
    @Arg("id", () => ID) id: string,
    @Arg("input", () => UpdateCompanyInput) input: UpdateCompanyInput,
    @Ctx() { em }: GraphQLContext,
  ): Promise<Company> {
    return updateCompany(em, parseId(id), input);
  }

  @Authorized("WRITER")
  @Mutation(() => Boolean, { description: "Removes the company and its finances; true. NOT_FOUND for an unknown id." })
  deleteCompany(@Arg("id", () => ID) id: string, @Ctx() { em }: GraphQLContext): Promise<boolean> {
    return deleteCompany(em, parseId(id));
  }

  @Authorized("WRITER")
  @Mutation(() => CompanyType, { description: "Insert or replace finance rows by (company, year)." })
  upsertFinances(
    @Arg("companyId", () => ID) companyId: string,
    @Arg("finances", () => [FinanceInput]) finances: FinanceInput[],
    @Ctx() { em }: GraphQLContext,
  ): Promise<Company> {
    return upsertFinances(em, parseId(companyId, "companyId"), finances);
  }

  @Authorized("WRITER")
  @Mutation(() => ImportResultType, { description: "Insert or update companies by name, with their finances; one transaction." })
  importCompanies(
    @Arg("companies", () => [CompanyImportInput]) companies: CompanyImportInput[],
    @Ctx() { em }: GraphQLContext,
  ): Promise<ImportResult> {
    return importCompanies(em, companies);
  }
}

@Resolver(() => FinanceType)
export class FinanceResolver {
  @FieldResolver(() => CompanyType)
  async company(@Root() finance: Finance, @Ctx() { loaders }: GraphQLContext): Promise<Company> {
    const company = await loaders.companyById.load(finance.companyId);
    // finance.company_id is a NOT NULL foreign key, so the company exists.
    return company!;
  }
}
