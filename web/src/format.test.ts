import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatMoney } from "./format";
import { parseAmount } from "./forms";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [3 * 1024 * 1024, "3 MiB"],
    [150 * 1024 * 1024, "150 MiB"],
    [5.25 * 1024 ** 3, "5.3 GiB"],
    [2 ** 53 - 1, "8 PiB"],
  ])("%d bytes is %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe("formatMoney and formatDuration", () => {
  it("formats earnings with two decimals and marks missing quarters", () => {
    expect(formatMoney(2410.75)).toBe("2,410.75");
    expect(formatMoney(null)).toBe("—");
  });
  it("formats durations", () => {
    expect(formatDuration(2.5)).toBe("2.5 s");
    expect(formatDuration(75.5)).toBe("1 min 16 s");
  });
});

describe("parseAmount", () => {
  it("accepts grouped and plain numbers, empty as null, rejects text", () => {
    expect(parseAmount("1,820.50")).toBe(1820.5);
    expect(parseAmount(" -3 ")).toBe(-3);
    expect(parseAmount("")).toBeNull();
    expect(parseAmount("12abc")).toBeNaN();
  });
});
