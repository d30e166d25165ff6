/**
 * One load round, in its own process so the generator's CPU is not the bench's
 * (or the server's) event loop: the parent forks this file, sends a LoadJob over
 * IPC and gets a LoadResult back. autocannon drives the requests; latencies are
 * recorded here at full precision (autocannon's own histogram keeps whole
 * milliseconds, too coarse for a 1 ms p50).
 */
import autocannon from "autocannon";

export interface LoadJob {
  url: string;
  token?: string;
  connections: number;
  durationSec: number;
  /** Request bodies sent in turn (one for a fixed request, many to rotate ids). */
  bodies?: string[];
  /** Build each body from a unique counter instead: `template` with "%N%" replaced. */
  template?: string;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Socket errors + timeouts + non-200 responses + 200 responses whose body has GraphQL errors. */
  errors: number;
  firstError?: string;
  /** Mean of X-SQL-Statements over the responses that carried it; NaN when none did. */
  statementsPerRequest: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function run(job: LoadJob): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let statements = 0;
  let withHeader = 0;
  let badResponses = 0;
  let firstError: string | undefined;
  let next = 0;
  const bodies = job.bodies ?? [];
  const body = () => {
    const n = next++;
    return job.template !== undefined ? job.template.replaceAll("%N%", String(n)) : bodies[n % bodies.length];
  };
  const request: autocannon.Request = {
    method: "POST",
    onResponse: (status, text, _context, headers) => {
      const header = headers["x-sql-statements"] ?? headers["X-SQL-Statements"];
      if (header !== undefined) {
        statements += Number(header);
        withHeader += 1;
      }
      // Cheap: response bodies are built by the server, and no bench data contains this text.
      if (status !== 200 || text.startsWith('{"errors"') || text.includes('"errors":[')) {
        badResponses += 1;
        firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
      }
    },
  };
  if (bodies.length > 1 || job.template !== undefined) {
    request.setupRequest = (req) => ({ ...req, body: body() });
  } else {
    request.body = bodies[0];
  }
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationSec,
        timeout: 30,
        headers: {
          "content-type": "application/json",
          ...(job.token ? { authorization: `Bearer ${job.token}` } : {}),
        },
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = latencies.subarray(0, count).sort();
        const durationSec = result.duration;
        resolve({
          requests: result.requests.total,
          durationSec,
          requestsPerSec: result.requests.total / durationSec,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
          errors: result.errors + result.timeouts + badResponses,
          firstError: firstError ?? (result.errors + result.timeouts > 0 ? `${result.errors} socket errors, ${result.timeouts} timeouts` : undefined),
          statementsPerRequest: withHeader > 0 ? statements / withHeader : NaN,
        });
      },
    );
    instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
}

if (require.main === module) {
  // One process serves every round of a bench run, one job at a time: forking a fresh one per
  // round cost seconds each on a loaded 2-core machine (about 100 rounds in a full run).
  process.on("message", (job: LoadJob) => {
    run(job).then(
      (result) => process.send!({ ok: true, result }),
      (error: Error) => process.send!({ ok: false, error: error.message }),
    );
  });
  // The parent went away: nothing to report to.
  process.once("disconnect", () => process.exit(0));
}
