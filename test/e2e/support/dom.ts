/**
 * The few browser globals the specs read inside page.evaluate. The repository's
 * tsconfig has no "dom" lib (the server must not see browser globals), so functions
 * that run in the page cast globalThis to this instead.
 */
export interface PageGlobals {
  sessionStorage: { getItem(key: string): string | null };
  document: {
    documentElement: { scrollWidth: number; clientWidth: number };
    body: { scrollWidth: number };
    activeElement: { id: string } | null;
  };
  /** Set by a spec to prove the document was not reloaded. */
  __e2eNoReload?: boolean;
}

/** An element as the specs read it in evaluateAll. */
export interface PageElement {
  textContent: string | null;
  children: ArrayLike<PageElement>;
  getBoundingClientRect(): { width: number; height: number };
  /** SVG elements only. */
  getBBox(): { width: number; height: number };
}

/** Rows of a table as trimmed text cells; runs in the page. */
export const rowCells = (rows: PageElement[]): string[][] => rows.map((row) => Array.from(row.children, (cell) => (cell.textContent ?? "").trim()));
