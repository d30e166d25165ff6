import { types } from "pg";
import { parseTimestamptz } from "../src/db/timestamptz";

// pg's default parser, for comparison: the data source replaces it with parseTimestamptz.
const original = types.getTypeParser(types.builtins.TIMESTAMPTZ, "text") as (text: string) => Date | number | null;

function same(text: string): void {
  const fast = parseTimestamptz(text);
  const slow = original(text);
  const show = (v: unknown) => (v instanceof Date ? v.getTime() : v);
  expect({ text, value: show(fast) }).toEqual({ text, value: show(slow) });
}

describe("parseTimestamptz", () => {
  it("reads PostgreSQL's timestamptz text exactly as pg's own parser does", () => {
    const offsets = ["+00", "-05", "+05:30", "-09:30", "+14", "+00:00"];
    const fractions = ["", ".1", ".12", ".123", ".1234", ".123456", ".999999", ".000001", ".295"];
    for (const base of ["2026-11-30 14:08:44", "1970-01-01 00:00:00", "2000-02-29 23:59:59", "1899-12-31 12:00:00", "0100-03-01 01:02:03", "9999-12-31 23:59:59"]) {
      for (const fraction of fractions) for (const offset of offsets) same(`${base}${fraction}${offset}`);
    }
    // Random instants in every zone PostgreSQL may print them in.
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((Math.random() - 0.3) * 4e12);
      const d = new Date(ms);
      const micro = String(d.getUTCMilliseconds() * 1000 + Math.floor(Math.random() * 1000)).padStart(6, "0");
      const pad = (v: number, w = 2) => String(v).padStart(w, "0");
      same(`${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${micro}+00`);
    }
  });

  it("leaves the unusual forms to pg's parser: BC, infinity, years before 100 and after 9999, offsets with seconds", () => {
    for (const text of ["infinity", "-infinity", "2020-01-01 00:00:00+00 BC", "0044-03-15 12:00:00+00", "12020-01-01 00:00:00+00", "1890-01-01 00:00:00+00:19:32", "2020-01-01 00:00:00.5+01:00:00"]) {
      same(text);
    }
  });
});
