import { render } from "@testing-library/react";
import { App } from "../app";
import { STORAGE_KEY } from "../auth/session";
import type { Role } from "../generated/graphql";
import { installFakeApi, type FakeHandler } from "./fake-api";

export const TEST_KEY = "dq_test_key_0123456789";

/**
 * Renders the whole app at `path`, signed in as `role` (the key is already in
 * session storage, the way a reload finds it), against the given fake operations.
 */
export function renderSignedIn(path: string, handlers: Record<string, FakeHandler>, role: Role = "ADMIN") {
  sessionStorage.setItem(STORAGE_KEY, TEST_KEY);
  window.history.replaceState(null, "", path);
  const api = installFakeApi({ Me: () => ({ data: { me: { id: "1", username: "demo", role } } }), ...handlers });
  const view = render(<App />);
  return { api, ...view };
}
