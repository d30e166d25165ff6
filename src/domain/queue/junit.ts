import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { TestSummary } from "./queue-item.entity";

/**
 * JUnit XML reports: recognising them and summing their counts.
 *
 * Counting rules (the same for <testsuites> and <testsuite>, at any depth):
 * - each count (tests, failures, errors, skipped) and the time come from the
 *   element's attribute when it is present and readable, otherwise they are the sum
 *   over its <testcase> children and its child suites. A parent that carries totals
 *   is therefore never added to its children again: no double counting when a
 *   <testsuites> root repeats the sums of its suites, and a root without totals
 *   (common: pytest, Jest) is the sum of its suites.
 * - the choice is per field: Ant-era reports have `tests`, `failures` and `errors`
 *   but no `skipped`, which then comes from <skipped> children. `skip` (nose) is
 *   read when `skipped` is absent.
 * - a <testcase> counts as one test; with an <error> child it is an error, else with
 *   a <failure> it is a failure, else with <skipped> it is skipped. Surefire's
 *   <flakyFailure>/<rerunFailure> (passed on retry) are not failures.
 */

/** The summary of a report with no tests at all. */
export const EMPTY_SUMMARY: TestSummary = Object.freeze({ tests: 0, failures: 0, errors: 0, skipped: 0, durationSeconds: 0 });

/** Root elements that make an XML file a JUnit report (namespace prefix ignored). */
const JUNIT_ROOTS = new Set(["testsuites", "testsuite"]);

/** A report that cannot be read: the message names the file and the reason. */
export class JUnitParseError extends Error {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
    this.name = "JUnitParseError";
  }
}

/**
 * The local name of the document's first element, skipping a BOM, the XML
 * declaration, processing instructions, comments and a DOCTYPE; null when the text
 * does not start like XML. Looks at a prefix only, so callers can read the first
 * few KB of a large file to decide whether to parse it at all.
 */
export function sniffRootElement(head: string): string | null {
  let i = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < head.length && /\s/.test(head[i])) i++;
    if (head.startsWith("<?", i)) {
      const end = head.indexOf("?>", i + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (head.startsWith("<!--", i)) {
      const end = head.indexOf("-->", i + 4);
      if (end < 0) return null;
      i = end + 3;
    } else if (head.startsWith("<!DOCTYPE", i)) {
      // An internal subset ("[...]") may contain '>' characters.
      const bracket = head.indexOf("[", i);
      const close = head.indexOf(">", i);
      if (close < 0) return null;
      if (bracket >= 0 && bracket < close) {
        const endSubset = head.indexOf("]", bracket);
        if (endSubset < 0) return null;
        const end = head.indexOf(">", endSubset);
        if (end < 0) return null;
        i = end + 1;
      } else {
        i = close + 1;
      }
    } else {
      const match = /^<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)[\s/>]/.exec(head.slice(i, i + 300));
      if (!match) return null;
      const name = match[1];
      const colon = name.indexOf(":");
      return colon >= 0 ? name.slice(colon + 1) : name;
    }
  }
}

/** True when the text (or its first few KB) starts a JUnit report: root element <testsuites> or <testsuite>. */
export function looksLikeJUnit(head: string): boolean {
  const root = sniffRootElement(head);
  return root !== null && JUNIT_ROOTS.has(root);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  // Element bodies (stack traces, system-out) are never needed as values; leaving them as strings avoids number parsing work.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === "testsuite" || name === "testcase",
});

type XmlNode = Record<string, unknown>;

const asNode = (value: unknown): XmlNode => (value !== null && typeof value === "object" ? (value as XmlNode) : {});
const children = (node: XmlNode, name: string): XmlNode[] => {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(asNode);
};

/**
 * Reads a count attribute: absent or blank is "not given" (undefined); anything
 * other than a non-negative integer is a malformed report, because a silently
 * wrong count is worse than a failed run.
 */
function countAttribute(node: XmlNode, name: string, where: string, fileName: string): number | undefined {
  const raw = node[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (text === "") return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new JUnitParseError(fileName, `${where}: attribute ${name}="${raw}" is not a non-negative integer`);
  }
  return Number(text);
}

/**
 * Seconds from a `time` attribute; undefined when absent or unreadable (the time is
 * informational: an odd value falls back to the children's sum instead of failing
 * the run). Locale-formatted values are accepted, because Surefire and others have
 * written them: "1,234.5" (grouping comma, a dot present) is 1234.5; a value with a
 * single comma and no dot ("0,25", "1,500") is a decimal comma, since reporters
 * write fractional seconds and a whole 1,500 s with grouping is the rarer reading;
 * several commas and no dot ("1,234,567") are grouping.
 */
export function parseSeconds(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  let text = String(raw).trim();
  if (text === "") return undefined;
  const commas = (text.match(/,/g) ?? []).length;
  if (commas > 0) {
    if (text.includes(".") || commas > 1) {
      if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) return undefined;
      text = text.replace(/,/g, "");
    } else {
      text = text.replace(",", ".");
    }
  }
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) ? seconds : undefined;
}

interface Totals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  seconds: number;
}

function caseTotals(testcase: XmlNode): Totals {
  const has = (name: string) => testcase[name] !== undefined;
  const error = has("error");
  const failure = !error && has("failure");
  const skipped = !error && !failure && has("skipped");
  return {
    tests: 1,
    failures: failure ? 1 : 0,
    errors: error ? 1 : 0,
    skipped: skipped ? 1 : 0,
    seconds: parseSeconds(testcase.time) ?? 0,
  };
}

/** Totals of one suite element (or the <testsuites> root), per the rules at the top of this file. */
function suiteTotals(suite: XmlNode, where: string, fileName: string, depth: number): Totals {
  // fast-xml-parser recurses too, so a pathological nesting fails there first; this keeps our own recursion bounded as well.
  if (depth > 100) throw new JUnitParseError(fileName, `${where}: suites nested more than 100 levels deep`);
  const fromChildren: Totals = { tests: 0, failures: 0, errors: 0, skipped: 0, seconds: 0 };
  const add = (t: Totals) => {
    fromChildren.tests += t.tests;
    fromChildren.failures += t.failures;
    fromChildren.errors += t.errors;
    fromChildren.skipped += t.skipped;
    fromChildren.seconds += t.seconds;
  };
  children(suite, "testcase").forEach((c) => add(caseTotals(c)));
  children(suite, "testsuite").forEach((s, i) => add(suiteTotals(s, `${where}/testsuite[${i + 1}]`, fileName, depth + 1)));
  const count = (name: string) => countAttribute(suite, name, where, fileName);
  return {
    tests: count("tests") ?? fromChildren.tests,
    failures: count("failures") ?? fromChildren.failures,
    errors: count("errors") ?? fromChildren.errors,
    skipped: count("skipped") ?? count("skip") ?? fromChildren.skipped,
    seconds: parseSeconds(suite.time) ?? fromChildren.seconds,
  };
}

/** Rounds to microseconds: sums of many decimal times otherwise show float noise (0.30000000000000004). */
const roundSeconds = (s: number) => Math.round(s * 1e6) / 1e6;

/**
 * Parses one JUnit XML report and returns its totals. Throws a JUnitParseError
 * naming `fileName` and the reason (with line and column for malformed XML) when
 * the text is not well-formed XML, has no or several root elements, is not a
 * JUnit report (root other than <testsuites>/<testsuite>), or carries a count
 * attribute that is not a non-negative integer.
 */
export function parseJUnit(xml: string, fileName: string): TestSummary {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new JUnitParseError(fileName, `malformed XML at line ${line}${col === undefined ? "" : `, column ${col}`}: ${msg}`);
  }
  let document: XmlNode;
  try {
    document = asNode(parser.parse(xml));
  } catch (error) {
    throw new JUnitParseError(fileName, `malformed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const roots = Object.keys(document).filter((key) => !key.startsWith("?") && !key.startsWith("!") && key !== "#text");
  // The validator accepts several top-level elements ("<a/><b/>"); XML allows one.
  if (roots.length !== 1 || (Array.isArray(document[roots[0]]) && (document[roots[0]] as unknown[]).length !== 1)) {
    throw new JUnitParseError(fileName, roots.length === 0 ? "no root element" : "more than one root element");
  }
  const rootName = roots[0];
  if (!JUNIT_ROOTS.has(rootName)) {
    throw new JUnitParseError(fileName, `not a JUnit report: root element is <${rootName}>, expected <testsuites> or <testsuite>`);
  }
  const root = children(document, rootName)[0];
  const totals = suiteTotals(root, rootName, fileName, 0);
  return {
    tests: totals.tests,
    failures: totals.failures,
    errors: totals.errors,
    skipped: totals.skipped,
    durationSeconds: roundSeconds(totals.seconds),
  };
}

/** Adds summaries field by field. */
export function sumSummaries(summaries: Iterable<TestSummary>): TestSummary {
  const sum = { ...EMPTY_SUMMARY };
  for (const s of summaries) {
    sum.tests += s.tests;
    sum.failures += s.failures;
    sum.errors += s.errors;
    sum.skipped += s.skipped;
    sum.durationSeconds += s.durationSeconds;
  }
  sum.durationSeconds = roundSeconds(sum.durationSeconds);
  return sum;
}
