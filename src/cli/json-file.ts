import { readFile } from "node:fs/promises";
import { CliError, EXIT } from "./runtime";

/** Reads and parses a JSON file ("-" is stdin); a missing file or bad JSON is a usage error naming the file. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`, EXIT.usage);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A usage error pointing at a place in an input file: "FILE: WHERE: REASON". */
export function fileError(file: string, where: string, reason: string): CliError {
  return new CliError(`${file}: ${where}: ${reason}`, EXIT.usage);
}

/** Refuses keys outside `allowed`: a misspelt key would otherwise drop its value silently. */
export function checkKeys(record: Record<string, unknown>, allowed: readonly string[], where: string, file: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw fileError(file, `${where ? `${where}.` : ""}${key}`, `unknown key (expected ${allowed.join(", ")})`);
  }
}

/**
 * Rewrites the domain's paths in a message into the input file's terms, wherever they
 * appear: with list "companies" -> "DATA" and fields {finances: "FINANCE", year: "YEAR"},
 * "companies[3].finances[0].year" becomes "DATA[3].FINANCE[0].YEAR".
 */
export function renamePaths(text: string, list: string, fileList: string, fields: Readonly<Record<string, string>>): string {
  const path = new RegExp(`${list}(\\[\\d+\\](?:\\.[A-Za-z0-9]+(?:\\[\\d+\\])?)*)`, "g");
  return text.replace(path, (_whole, rest: string) => fileList + rest.replace(/\.([A-Za-z0-9]+)/g, (_m, field: string) => `.${fields[field] ?? field}`));
}
