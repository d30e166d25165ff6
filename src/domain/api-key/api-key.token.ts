import { createHash, randomBytes } from "node:crypto";

/**
 * Tokens look like `dq_<43 base64url chars>`: 256 random bits behind a prefix
 * that secret scanners and people recognise. Only the SHA-256 is stored; a slow
 * password hash buys nothing against a 256-bit secret and would cost every request.
 */
export const TOKEN_PREFIX = "dq_";

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
