import { readFileSync } from "node:fs";
import path from "node:path";
import { JUnitParseError, looksLikeJUnit, parseJUnit, parseSeconds, sniffRootElement, sumSummaries } from "../src/domain/queue/junit";

const fixture = (name: string) => readFileSync(path.join(__dirname, "fixtures/junit", name), "utf8");

describe("parseJUnit", () => {
  it("reads a Surefire report: totals from the suite's attributes, a locale-formatted time", () => {
    expect(parseJUnit(fixture("surefire.xml"), "surefire.xml")).toEqual({
      tests: 5,
      failures: 1,
      errors: 1,
      skipped: 1,
      durationSeconds: 1234.5,
    });
  });

  it("sums nested suites without totals from their test cases, and uses totals where a suite has them", () => {
    // pytest suite: attributes (2 tests, 1 failure, 0.5 s). outer: no attributes, so inner-1 (2 tests, 1 skipped),
    // inner-2 (1 error) and one direct case: 4 tests, 2.0 s. The root has no attributes either.
    expect(parseJUnit(fixture("pytest-nested.xml"), "pytest-nested.xml")).toEqual({
      tests: 6,
      failures: 1,
      errors: 1,
      skipped: 1,
      durationSeconds: 2.5,
    });
  });

  it("takes a <testsuites> root's totals without adding its suites again", () => {
    expect(parseJUnit(fixture("root-totals.xml"), "root-totals.xml")).toEqual({
      tests: 4,
      failures: 1,
      errors: 0,
      skipped: 1,
      durationSeconds: 2.5,
    });
  });

  it("counts from <testcase> children when a suite has no attributes, one outcome per case", () => {
    const xml = `<testsuite>
      <testcase name="pass" time="0.1"/>
      <testcase name="fail" time="0.2"><failure message="x"/><failure message="again"/></testcase>
      <testcase name="error and failure" time="0.3"><failure/><error/></testcase>
      <testcase name="skip"><skipped/></testcase>
      <testcase name="flaky, passed on rerun"><flakyFailure message="once"/></testcase>
      <testcase/>
    </testsuite>`;
    expect(parseJUnit(xml, "cases.xml")).toEqual({ tests: 6, failures: 1, errors: 1, skipped: 1, durationSeconds: 0.6 });
  });

  it("falls back per field: an Ant report without `skipped` counts skipped cases, and `skip` (nose) is read", () => {
    const ant = `<testsuite tests="3" failures="0" errors="0" time="1"><testcase name="a"/><testcase name="b"><skipped/></testcase><testcase name="c"/></testsuite>`;
    expect(parseJUnit(ant, "ant.xml")).toMatchObject({ tests: 3, skipped: 1, durationSeconds: 1 });
    const nose = `<testsuite name="nosetests" tests="4" errors="0" failures="0" skip="2"></testsuite>`;
    expect(parseJUnit(nose, "nose.xml")).toMatchObject({ tests: 4, skipped: 2 });
  });

  it("ignores namespace prefixes, comments and a DOCTYPE before the root", () => {
    const xml = `\uFEFF<?xml version="1.0"?>
      <!-- produced by a tool -->
      <!DOCTYPE testsuites [ <!ELEMENT testsuites ANY> ]>
      <j:testsuites xmlns:j="urn:junit"><j:testsuite tests="2" failures="1"/></j:testsuites>`;
    expect(parseJUnit(xml, "ns.xml")).toMatchObject({ tests: 2, failures: 1 });
  });

  it("returns zeros for an empty suite", () => {
    expect(parseJUnit("<testsuites/>", "empty.xml")).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0, durationSeconds: 0 });
  });

  it.each([
    ["an unclosed element", fixture("malformed.xml"), /^malformed\.xml: malformed XML at line 5, column \d+: .*testcase/],
    ["a truncated file", `<testsuite tests="1"><testcase name="a"`, /^x\.xml: malformed XML at line 1/],
    ["an empty file", "", /^x\.xml: malformed XML/],
    ["two root elements", `<testsuite/><testsuite/>`, /^x\.xml: more than one root element$/],
    ["another root element", `<project><testsuite tests="1"/></project>`, /^x\.xml: not a JUnit report: root element is <project>/],
    ["a count that is not a number", `<testsuite tests="many"/>`, /^x\.xml: testsuite: attribute tests="many" is not a non-negative integer$/],
    ["a negative count", `<testsuites><testsuite failures="-1"/></testsuites>`, /testsuites\/testsuite\[1\]: attribute failures="-1"/],
  ])("throws a JUnitParseError naming the file and the reason for %s", (_label, xml, message) => {
    let error: unknown;
    try {
      parseJUnit(xml, xml === fixture("malformed.xml") ? "malformed.xml" : "x.xml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JUnitParseError);
    expect((error as Error).message).toMatch(message);
  });

  it("falls back to the children's time when a suite's time is unreadable", () => {
    const xml = `<testsuite time="n/a"><testcase time="0.5"/><testcase time="0.25"/></testsuite>`;
    expect(parseJUnit(xml, "t.xml").durationSeconds).toBe(0.75);
  });
});

describe("parseSeconds", () => {
  it.each([
    ["12.5", 12.5],
    [" 3 ", 3],
    [".5", 0.5],
    ["1e-3", 0.001],
    ["1,234.5", 1234.5],
    ["1,234,567", 1234567],
    ["0,25", 0.25],
    ["1,500", 1.5],
    ["", undefined],
    ["-1", undefined],
    ["12,34.5", undefined],
    ["abc", undefined],
  ])("%j -> %j", (raw, seconds) => {
    expect(parseSeconds(raw)).toBe(seconds);
  });
});

describe("recognising reports", () => {
  it.each([
    [`<?xml version="1.0"?>\n<testsuites>`, "testsuites", true],
    [`<!-- x --><testsuite name="a">`, "testsuite", true],
    [`<ns:testsuite xmlns:ns="u">`, "testsuite", true],
    [`<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0">`, "project", false],
    [`{"not": "xml"}`, null, false],
    [`<!-- unterminated comment`, null, false],
  ])("%j has root %j", (head, root, junit) => {
    expect(sniffRootElement(head)).toBe(root);
    expect(looksLikeJUnit(head)).toBe(junit);
  });
});

describe("sumSummaries", () => {
  it("adds field by field without float noise in the duration", () => {
    const one = { tests: 1, failures: 0, errors: 0, skipped: 0, durationSeconds: 0.1 };
    const two = { tests: 2, failures: 1, errors: 1, skipped: 1, durationSeconds: 0.2 };
    expect(sumSummaries([one, two])).toEqual({ tests: 3, failures: 1, errors: 1, skipped: 1, durationSeconds: 0.3 });
    expect(sumSummaries([])).toEqual({ tests: 0, failures: 0, errors: 0, skipped: 0, durationSeconds: 0 });
  });
});
