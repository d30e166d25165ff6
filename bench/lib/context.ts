import type { BenchOptions } from "./options";
import type { PostgresServer } from "./postgres";

/** What every phase of the bench gets. */
export interface BenchContext {
  options: BenchOptions;
  pg: PostgresServer;
  /** Temp dir for server logs, scan trees, profiles in flight. */
  tmp: string;
  /** ADMIN_TOKEN of every dashql the bench starts; all requests use it. */
  adminToken: string;
  /** Query and mutation field names the running dashql offers (introspection). */
  fields: Set<string>;
  /** `dashql` commands listed by `dashql --help`. */
  commands: Set<string>;
  /** Progress line on stderr. */
  log(message: string): void;
}
