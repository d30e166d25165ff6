import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

/** Where `npm run build:web` (Vite) writes the dashboard: web/dist beside dist/. */
export const WEB_DIST = path.resolve(__dirname, "../../web/dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dashql</title></head>
<body><h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm install</code>, which builds it) and reload.
The API works meanwhile: <a href="/graphql">GraphiQL at /graphql</a>.</p></body></html>
`;

export interface StaticWebOptions {
  /** The built dashboard; WEB_DIST unless a test points elsewhere. */
  root?: string;
  /** Development only: answered at GET /dev/demo-key so the sign-in page can offer it. */
  demoToken?: string;
}

/**
 * Serves the dashboard from the same origin as /graphql, so the browser needs no
 * CORS and the key never leaves the origin. Returns a handler that answers GET and
 * HEAD for the built files, index.html for "/" and for browser navigations to any
 * other path without a file extension (the app's own routes: /companies/7 survives a
 * reload), and false for anything it does not serve, so the caller sends its JSON 404.
 *
 * Vite's hashed file names under /assets/ never change content, so they are cached
 * for a year; index.html must be revalidated or a deploy would keep old bundles.
 */
export function createStaticWeb(options: StaticWebOptions = {}) {
  const root = options.root ?? WEB_DIST;
  const demoToken = options.demoToken;

  return function serveWeb(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const pathname = url.pathname;

    if (pathname === "/dev/demo-key") {
      if (!demoToken) return false;
      const body = JSON.stringify({ token: demoToken });
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }

    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    // normalize() folds "..", so a resolved path outside root is a traversal attempt, not a file.
    const file = path.join(root, path.normalize(decoded));
    if (!file.startsWith(root + path.sep)) return false;
    const extension = path.extname(file).toLowerCase();

    if (extension && extension !== ".html") {
      let size: number;
      try {
        const stat = statSync(file);
        if (!stat.isFile()) return false;
        size = stat.size;
      } catch {
        return false;
      }
      const immutable = decoded.startsWith("/assets/");
      res.writeHead(200, {
        "content-type": TYPES[extension] ?? "application/octet-stream",
        "content-length": size,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        "x-content-type-options": "nosniff",
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
      return true;
    }

    // Only a browser navigation (Accept: text/html) gets the app for an unknown path;
    // an API client asking for JSON keeps getting the JSON 404 it can parse.
    if (decoded !== "/" && !(req.headers.accept ?? "").includes("text/html")) return false;
    const index = path.join(root, "index.html");
    const headers = {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
    };
    if (!existsSync(index)) {
      res.writeHead(503, headers);
      res.end(req.method === "HEAD" ? undefined : NOT_BUILT);
      return true;
    }
    res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else createReadStream(index).pipe(res);
    return true;
  };
}
