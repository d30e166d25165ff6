import { useState } from "react";

/**
 * Forward-only cursors (first/after) paged both ways: the cursors of the pages
 * already seen are kept, so "Previous" goes back without a `before` argument.
 * `resetKey` (the filter) starts again at page 1 when it changes.
 */
export function useCursorPager(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | null)[] }>({ key: resetKey, cursors: [null] });
  const cursors = state.key === resetKey ? state.cursors : [null];
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    next: (endCursor: string | null) => endCursor && setState({ key: resetKey, cursors: [...cursors, endCursor] }),
    previous: () => setState({ key: resetKey, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }),
  };
}

export interface PagerProps {
  page: number;
  hasNextPage: boolean;
  /** Items across all pages, shown as "n items". */
  totalCount: number;
  /** What is counted: "company" / "companies". */
  noun: [string, string];
  onNext: () => void;
  onPrevious: () => void;
}

export function Pager({ page, hasNextPage, totalCount, noun, onNext, onPrevious }: PagerProps) {
  return (
    <nav className="pager" aria-label="Pages">
      <span>
        {totalCount} {totalCount === 1 ? noun[0] : noun[1]} · page {page}
      </span>
      <button type="button" className="secondary" onClick={onPrevious} disabled={page <= 1}>
        Previous page
      </button>
      <button type="button" className="secondary" onClick={onNext} disabled={!hasNextPage}>
        Next page
      </button>
    </nav>
  );
}
