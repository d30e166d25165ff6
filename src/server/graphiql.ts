import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * GraphiQL from the project's own node_modules (the graphiql UMD bundle and
 * React 18's UMD builds), so it works with no internet access: no CDN URLs.
 */
const ASSETS: Record<string, { module: string; file: string; type: string }> = {
  "react.js": { module: "react", file: "umd/react.production.min.js", type: "text/javascript" },
  "react-dom.js": { module: "react-dom", file: "umd/react-dom.production.min.js", type: "text/javascript" },
  "graphiql.js": { module: "graphiql", file: "graphiql.min.js", type: "text/javascript" },
  "graphiql.css": { module: "graphiql", file: "graphiql.min.css", type: "text/css" },
  "graphql-ws.js": { module: "graphql-ws", file: "umd/graphql-ws.min.js", type: "text/javascript" },
};

const cache = new Map<string, Buffer>();

/** The asset under /graphiql/<name>, or undefined. */
export function graphiqlAsset(name: string): { body: Buffer; type: string } | undefined {
  const asset = ASSETS[name];
  if (!asset) return undefined;
  let body = cache.get(name);
  if (!body) {
    const dir = path.dirname(require.resolve(`${asset.module}/package.json`));
    body = readFileSync(path.join(dir, asset.file));
    cache.set(name, body);
  }
  return { body, type: asset.type };
}

export const DEMO_QUERY = `# Welcome to dashql. Run this with the play button (Ctrl-Enter).
query Companies {
  companies(first: 10) {
    totalCount
    nodes {
      name
      ceo
      businessType
      finances {
        year
        q1Earnings
        q2Earnings
        q3Earnings
        q4Earnings
        totalEarnings
      }
    }
  }
}
`;

/** Escapes a value for a <script> block: JSON with "<" escaped cannot close the tag. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * The GraphiQL page. `demoToken` (development only) prefills the Authorization
 * header so the demo query runs straight away.
 */
export function graphiqlPage(options: { endpoint: string; demoToken?: string }): string {
  const headers = options.demoToken ? JSON.stringify({ Authorization: `Bearer ${options.demoToken}` }, null, 2) : undefined;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>dashql · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/react.js"></script>
  <script src="/graphiql/react-dom.js"></script>
  <script src="/graphiql/graphiql.js"></script>
  <script src="/graphiql/graphql-ws.js"></script>
  <script>
    const httpFetcher = GraphiQL.createFetcher({ url: ${scriptJson(options.endpoint)} });
    // Subscriptions go over graphql-ws on the same URL, authenticated with the Authorization header
    // of the headers editor (sent in connection_init); a changed key opens a new connection.
    const wsUrl = new URL(${scriptJson(options.endpoint)}, location.href);
    wsUrl.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    let ws, wsKey;
    const fetcher = (params, opts) => {
      const operation = opts && opts.documentAST && opts.documentAST.definitions.find(
        (d) => d.kind === "OperationDefinition" && (!params.operationName || (d.name && d.name.value === params.operationName)));
      if (!operation || operation.operation !== "subscription") return httpFetcher(params, opts);
      const headers = (opts && opts.headers) || {};
      const authorization = headers.Authorization || headers.authorization || "";
      if (!ws || wsKey !== authorization) {
        if (ws) ws.dispose();
        ws = graphqlWs.createClient({ url: wsUrl.href, connectionParams: { authorization } });
        wsKey = authorization;
      }
      return ws.iterate({ query: params.query, variables: params.variables, operationName: params.operationName });
    };
    const root = ReactDOM.createRoot(document.getElementById("graphiql"));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: ${scriptJson(DEMO_QUERY)},
      ${headers ? `headers: ${scriptJson(headers)}, defaultHeaders: ${scriptJson(headers)},` : ""}
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: ${headers ? "true" : "false"},
    }));
  </script>
</body>
</html>
`;
}
