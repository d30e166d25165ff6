import { useCallback, useEffect, useRef, useState } from "react";
import { useSession } from "../auth/session";
import type { TypedDocumentString } from "../generated/graphql";
import { ApiError, execute } from "./client";

export interface QueryState<T> {
  /** The latest answer for the current variables; kept while a refetch or poll is under way. */
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer for the current variables (polls do not set it again). */
  loading: boolean;
  /** Runs the query again now. */
  refetch: () => void;
}

export interface QueryOptions<T> {
  /**
   * Called with each answer; a number schedules the next fetch that many ms later
   * (the queue polls while runs are QUEUED or RUNNING), undefined stops polling.
   */
  poll?: (data: T) => number | undefined;
}

function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError([{ message: String(error), code: "INTERNAL_SERVER_ERROR" }], 0);
}

/**
 * Runs a typed query with the session's key and re-runs it when the variables change.
 * A key the server rejects (UNAUTHENTICATED) signs the user out, since every later
 * request would fail the same way.
 */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: QueryOptions<TResult> = {},
): QueryState<TResult> {
  const { token, signOut } = useSession();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ key: string; data?: TResult; error?: ApiError; loading: boolean }>({ key, loading: true });
  const [nonce, setNonce] = useState(0);
  const pollRef = useRef(options.poll);
  pollRef.current = options.poll;
  // The effect depends on `key`, not on the variables object a caller rebuilds every render.
  const variablesRef = useRef(variables);
  variablesRef.current = variables;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastData: TResult | undefined;
    setState((s) => (s.key === key ? { ...s, loading: s.data === undefined, error: undefined } : { key, loading: true }));
    const run = async () => {
      try {
        const data = await execute(document, variablesRef.current, { token, signal: controller.signal });
        if (controller.signal.aborted) return;
        lastData = data;
        setState({ key, data, loading: false });
      } catch (error) {
        if (controller.signal.aborted) return;
        const apiError = toApiError(error);
        if (apiError.code === "UNAUTHENTICATED") signOut("The server no longer accepts this API key; sign in again.");
        setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: apiError, loading: false }));
      }
      // A failed poll is retried on the same schedule, so a restart of the server only pauses the live view.
      const interval = lastData !== undefined ? pollRef.current?.(lastData) : undefined;
      if (interval !== undefined && !controller.signal.aborted) timer = setTimeout(run, interval);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [document, key, token, nonce, signOut]);

  const refetch = useCallback(() => setNonce((n) => n + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: current ? state.loading : true,
    refetch,
  };
}

export interface MutationState {
  running: boolean;
  error: ApiError | undefined;
}

/** A typed mutation: `mutate` resolves with the data or rejects with an ApiError (also kept in the state). */
export function useMutation<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
): [(variables: TVariables) => Promise<TResult>, MutationState] {
  const { token, signOut } = useSession();
  const [state, setState] = useState<MutationState>({ running: false, error: undefined });
  const mutate = useCallback(
    async (variables: TVariables) => {
      setState({ running: true, error: undefined });
      try {
        const data = await execute(document, variables, { token });
        setState({ running: false, error: undefined });
        return data;
      } catch (error) {
        const apiError = toApiError(error);
        if (apiError.code === "UNAUTHENTICATED") signOut("The server no longer accepts this API key; sign in again.");
        setState({ running: false, error: apiError });
        throw apiError;
      }
    },
    [document, token, signOut],
  );
  return [mutate, state];
}
