import { InvalidArgumentError } from "commander";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses "90s", "15m", "24h", "7d", "500ms" or a sum of them ("1h30m") into ms.
 * A bare number is refused: "--lease 60" could mean seconds or milliseconds, and a
 * guess off by 1000x is worse than an error.
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  let total = 0;
  let index = 0;
  while (index < input.length) {
    PART.lastIndex = index;
    const match = PART.exec(input);
    if (!match) break;
    total += Number(match[1]) * UNIT_MS[match[2]];
    index = PART.lastIndex;
  }
  if (input === "" || index !== input.length) {
    throw new InvalidArgumentError(`"${text}" is not a duration: use a number and a unit (ms, s, m, h, d), e.g. 60s, 15m, 24h or 1h30m`);
  }
  if (!Number.isFinite(total) || total > 10 * 365 * UNIT_MS.d) throw new InvalidArgumentError(`"${text}" is longer than ten years`);
  return Math.round(total);
}

/** "1h30m", "15m", "2s", "250ms": the inverse of parseDuration, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}
