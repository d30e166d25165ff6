import path from "node:path";
import { Option, type Command } from "commander";
import { DEFAULT_TTL_MS, enqueueRuns, type EnqueueRunProps } from "../../domain/queue/queue.service";
import { InvalidInputError } from "../../domain/shared/errors";
import { formatDuration } from "../duration";
import { durationOption } from "../options";
import { checkKeys, fileError, isRecord, readJsonFile, renamePaths } from "../json-file";
import { CliError, createRuntime, EXIT, withDatabase, type GlobalOptions } from "../runtime";

const SCHEDULE_KEYS = ["RUN_DIR", "OWNER", "SITE", "HOST_MACHINE", "run_tag", "user_tag"] as const;
const FIELD_NAMES: Record<string, string> = {
  runDir: "RUN_DIR",
  owner: "OWNER",
  site: "SITE",
  host: "HOST_MACHINE",
  runTag: "run_tag",
  userTag: "user_tag",
  timeToLive: "--ttl",
};

/** "runs[2].owner" -> "[2].OWNER", wherever such a path appears in a message. */
const toFilePath = (text: string) => renamePaths(text, "runs", "", FIELD_NAMES);

/** The schedule file: a JSON list of {RUN_DIR, OWNER, SITE, HOST_MACHINE, run_tag, user_tag}; values are checked by enqueueRuns. */
export function readScheduleFile(json: unknown, file: string, timeToLive: Date): EnqueueRunProps[] {
  const bad = (where: string, reason: string) => fileError(file, where, reason);
  if (!Array.isArray(json)) throw bad("top level", "must be a list of runs [{RUN_DIR, OWNER, ...}]");
  return json.map((entry: unknown, i) => {
    const where = `[${i}]`;
    if (!isRecord(entry)) throw bad(where, "must be an object");
    checkKeys(entry, SCHEDULE_KEYS, where, file);
    // Left to enqueueRuns, an absent key read "must be a string": true, but not what the user must fix.
    for (const key of ["RUN_DIR", "OWNER"] as const) {
      if (entry[key] === undefined || entry[key] === null) throw bad(`${where}.${key}`, "is missing (RUN_DIR and OWNER are required)");
    }
    // Workers run elsewhere, in other directories: a relative path would name a different directory on each.
    if (typeof entry.RUN_DIR === "string" && entry.RUN_DIR.trim() !== "" && !path.isAbsolute(entry.RUN_DIR)) {
      throw bad(`${where}.RUN_DIR`, `must be an absolute path (got "${entry.RUN_DIR}")`);
    }
    return {
      runDir: entry.RUN_DIR as string,
      owner: entry.OWNER as string,
      site: entry.SITE as string | null | undefined,
      host: entry.HOST_MACHINE as string | null | undefined,
      runTag: entry.run_tag as string | null | undefined,
      userTag: entry.user_tag as string | null | undefined,
      timeToLive,
    };
  });
}

export function registerEnqueue(program: Command): void {
  program
    .command("enqueue")
    .description(
      "enqueue run directories for the workers from a schedule file (a JSON list of " +
        "{RUN_DIR, OWNER, SITE, HOST_MACHINE, run_tag, user_tag}); a run already QUEUED or RUNNING is not enqueued twice",
    )
    .requiredOption("--schedule-file <file>", 'the JSON schedule ("-" reads stdin)')
    .addOption(
      new Option("--ttl <duration>", "how long the runs may wait for a worker")
        .argParser(durationOption(1000))
        .default(DEFAULT_TTL_MS, formatDuration(DEFAULT_TTL_MS)),
    )
    .action(async (options: { scheduleFile: string; ttl: number }, command: Command) => {
      const runtime = createRuntime(command.optsWithGlobals<GlobalOptions>());
      const file = options.scheduleFile;
      const timeToLive = new Date(Date.now() + options.ttl);
      const runs = readScheduleFile(await readJsonFile(file), file, timeToLive);
      const { items, created: createdIds } = await withDatabase(runtime, async (db) => {
        try {
          return await enqueueRuns(db.dataSource.manager, runs);
        } catch (error) {
          if (error instanceof InvalidInputError) throw new CliError(`${file}: ${toFilePath(error.message)}`, EXIT.usage);
          throw error;
        }
      });
      const unique = [...new Map(items.map((item) => [item.id, item])).values()];
      for (const item of unique) console.log(`${item.id}\t${item.status}\t${item.host ?? "-"}\t${item.runDir}`);
      const created = createdIds.size;
      // Runs already queued keep their own time to live (enqueueRuns returns them unchanged): the one printed is the new runs'.
      console.log(
        `enqueued ${unique.length} run${unique.length === 1 ? "" : "s"} (${created} new, ` +
          `${unique.length - created} already queued or running)` +
          (created > 0 ? `, new runs wait until ${timeToLive.toISOString()}` : ""),
      );
    });
}
