import type { Command } from "commander";
import { importCompanies, type CreateCompanyProps } from "../../domain/company/company.service";
import { InvalidInputError } from "../../domain/shared/errors";
import { checkKeys, fileError, isRecord, readJsonFile, renamePaths } from "../json-file";
import { CliError, createRuntime, EXIT, withDatabase, type GlobalOptions } from "../runtime";

const RECORD_KEYS = ["COMPANY", "COMPANY_CEO", "BUSINESS_TYPE", "FINANCE"] as const;
const FINANCE_KEYS = ["YEAR", "Q1_EARNINGS", "Q2_EARNINGS", "Q3_EARNINGS", "Q4_EARNINGS"] as const;

/** Domain field names back to the import file's, so an error points at the line the user must fix. */
const FIELD_NAMES: Record<string, string> = {
  name: "COMPANY",
  ceo: "COMPANY_CEO",
  businessType: "BUSINESS_TYPE",
  finances: "FINANCE",
  year: "YEAR",
  q1Earnings: "Q1_EARNINGS",
  q2Earnings: "Q2_EARNINGS",
  q3Earnings: "Q3_EARNINGS",
  q4Earnings: "Q4_EARNINGS",
};

/** "companies[3].finances[0].year" -> "DATA[3].FINANCE[0].YEAR", wherever such a path appears in a message. */
const toFilePath = (text: string) => renamePaths(text, "companies", "DATA", FIELD_NAMES);

/**
 * The import file: {"DATA": [{COMPANY, COMPANY_CEO, BUSINESS_TYPE, FINANCE: [{YEAR, Q1_EARNINGS..Q4_EARNINGS}]}]}.
 * Only the shape is checked here (objects, lists, known keys); values are checked by
 * importCompanies, whose messages are translated back to the file's terms.
 */
export function readImportFile(json: unknown, file: string): CreateCompanyProps[] {
  const bad = (where: string, reason: string) => fileError(file, where, reason);
  if (!isRecord(json)) throw bad("top level", `must be an object {"DATA": [...]}`);
  checkKeys(json, ["DATA"], "", file);
  if (!Array.isArray(json.DATA)) throw bad("DATA", "must be a list of companies");
  return json.DATA.map((record: unknown, i) => {
    const where = `DATA[${i}]`;
    if (!isRecord(record)) throw bad(where, "must be an object");
    checkKeys(record, RECORD_KEYS, where, file);
    // Left to importCompanies, an absent name read "must be a string": true, but not what the user must fix.
    if (record.COMPANY === undefined || record.COMPANY === null) throw bad(`${where}.COMPANY`, "is missing: every company needs a name");
    const finance = record.FINANCE ?? [];
    if (!Array.isArray(finance)) throw bad(`${where}.FINANCE`, "must be a list");
    return {
      name: record.COMPANY as string,
      ceo: record.COMPANY_CEO as string | null | undefined,
      businessType: record.BUSINESS_TYPE as string | null | undefined,
      finances: finance.map((row: unknown, j) => {
        const rowWhere = `${where}.FINANCE[${j}]`;
        if (!isRecord(row)) throw bad(rowWhere, "must be an object");
        checkKeys(row, FINANCE_KEYS, rowWhere, file);
        return {
          year: row.YEAR as number,
          q1Earnings: row.Q1_EARNINGS as number | null | undefined,
          q2Earnings: row.Q2_EARNINGS as number | null | undefined,
          q3Earnings: row.Q3_EARNINGS as number | null | undefined,
          q4Earnings: row.Q4_EARNINGS as number | null | undefined,
        };
      }),
    };
  });
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      'insert or update companies and their finances from a JSON file {"DATA": [...]} ("-" reads stdin); ' +
        "one transaction: a bad record writes nothing. Unknown keys are refused.",
    )
    .argument("<file>", "the JSON file")
    .action(async (file: string, _options: unknown, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      // The shape is checked before opening the database: a malformed file fails without starting an embedded cluster.
      const companies = readImportFile(await readJsonFile(file), file);
      const result = await withDatabase(runtime, async (db) => {
        try {
          return await importCompanies(db.dataSource.manager, companies);
        } catch (error) {
          if (error instanceof InvalidInputError) {
            const field = typeof error.details.field === "string" ? error.details.field : undefined;
            const reason = field && error.message.startsWith(field) ? error.message.slice(field.length).trimStart() : error.message;
            throw new CliError(`${file}: ${field ? `${toFilePath(field)}: ` : ""}${toFilePath(reason)}`, EXIT.usage);
          }
          throw error;
        }
      });
      const total = result.companiesCreated + result.companiesUpdated;
      console.log(
        `imported ${total} ${total === 1 ? "company" : "companies"} (${result.companiesCreated} created, ` +
          `${result.companiesUpdated} updated), ${result.financesWritten} finance rows written`,
      );
    });
}
