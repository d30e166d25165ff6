import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import { closeLiveConnection } from "../api/live";
import { installSilentLive } from "./fake-live";

// The first render of a file pays for module loading; on a busy 2-core machine that exceeds the 1 s default.
configure({ asyncUtilTimeout: 5000 });

// Live updates: a socket that never opens unless a test installs the fake server (fake-live.ts).
beforeEach(() => installSilentLive());

afterEach(() => {
  cleanup();
  closeLiveConnection();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  window.history.replaceState(null, "", "/");
});

// jsdom has no layout engine: Victory measures text through getComputedTextLength, which jsdom lacks.
if (!("getComputedTextLength" in SVGElement.prototype)) {
  Object.defineProperty(SVGElement.prototype, "getComputedTextLength", { value: () => 0, configurable: true });
}

// jsdom defines scrollTo only to log "not implemented"; the router scrolls to the top on navigation.
window.scrollTo = () => undefined;
