import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import accepts from 'accepts';
import type { Express, Request, Response } from 'express';

/**
 * The explorer: GraphiQL 4 served by Trellis itself, at `/` and at GET /graphql for browsers.
 *
 * Every asset is read from node_modules (the UMD builds that graphiql, react, react-dom and graphql-ws
 * publish to npm), so the page works with no internet: school networks and these machines are often
 * offline, and a page from a CDN is then blank. The Content-Security-Policy keeps it that way: the page
 * may load and connect only to this server. Queries and mutations go over HTTP, subscriptions over
 * graphql-ws on the same URL, and the token pasted in the bar is sent with both (the Authorization header,
 * and connection_init's payload). Off in production (app.ts does not mount it).
 */

/** Where each asset comes from: name served under /explorer/ -> the npm file. A fixed list, never a path from the request. */
const NPM_ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'graphql-ws.js': { pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: 'text/javascript' },
};

/** The folder an installed package lives in (its "exports" hide the UMD files from require.resolve). */
function packageFolder(name: string): string {
  let folder = path.dirname(require.resolve(name));
  while (
    !fs.existsSync(path.join(folder, 'package.json')) ||
    JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')).name !== name
  ) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`The explorer needs the npm package ${name}; run npm install.`);
    folder = parent;
  }
  return folder;
}

/** The page's own script: the fetcher (HTTP, or graphql-ws for subscriptions, both carrying the token) and the token bar. */
const EXPLORER_SCRIPT = `'use strict';
(function () {
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.dataset.endpoint, location.href);
  var wsEndpoint = new URL(endpoint.href);
  wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  var tokenInput = document.getElementById('token');
  tokenInput.value = sessionStorage.getItem('trellis:token') || '';
  tokenInput.addEventListener('input', function () { sessionStorage.setItem('trellis:token', tokenInput.value.trim()); });

  // "Bearer ..." as pasted, or a bare token or API key (trellis_...), which gets the "Bearer " prefix.
  function authorization() {
    var value = tokenInput.value.trim();
    if (!value) return undefined;
    return /^bearer\\s/i.test(value) ? value : 'Bearer ' + value;
  }

  // One graphql-ws client per credential: a new token opens a new connection, signed in as its owner.
  var socket = { authorization: null, client: null };
  function wsClient() {
    var current = authorization() || '';
    if (socket.client && socket.authorization === current) return socket.client;
    if (socket.client) socket.client.dispose();
    socket.authorization = current;
    socket.client = graphqlWs.createClient({
      url: wsEndpoint.href,
      connectionParams: current ? { authorization: current } : {},
      retryAttempts: 0,
    });
    return socket.client;
  }

  function isSubscription(documentAST, operationName) {
    if (!documentAST) return false;
    var operations = documentAST.definitions.filter(function (d) { return d.kind === 'OperationDefinition'; });
    var chosen = operations.find(function (d) { return operationName ? d.name && d.name.value === operationName : true; });
    return Boolean(chosen && chosen.operation === 'subscription');
  }

  function fetcher(params, options) {
    if (isSubscription(options && options.documentAST, params.operationName)) {
      return wsClient().iterate({ query: params.query, variables: params.variables, operationName: params.operationName || undefined });
    }
    var headers = Object.assign({ 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, (options && options.headers) || {});
    var auth = authorization();
    if (auth) headers.authorization = auth;
    return fetch(endpoint.href, { method: 'POST', headers: headers, body: JSON.stringify(params) }).then(function (r) { return r.json(); });
  }

  // A link can carry the operation to open: /?query=...&variables=...
  var search = new URLSearchParams(location.search);
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: root.dataset.defaultQuery,
      query: search.get('query') || undefined,
      variables: search.get('variables') || undefined,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
`;

const DEFAULT_QUERY = `# Trellis explorer. Public facts need no token; for governance, staff and alerts paste a token above
# (npm run trellis -- token <email or person id>) or an API key.
#
# Run with Ctrl-Enter. Subscriptions (alertRaised, alertStatusChanged) run over graphql-ws.

query Federations {
  groups(kind: [FEDERATION], first: 5) {
    totalCount
    edges { node { id name members(first: 5) { edges { role node { urn name } } } } }
  }
}
`;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#10;');
}

function page(graphqlPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trellis explorer</title>
<link rel="stylesheet" href="/explorer/graphiql.css">
<link rel="stylesheet" href="/explorer/explorer.css">
</head>
<body>
<div class="trellis-bar">
  <strong>Trellis</strong>
  <label for="token">Token or API key</label>
  <input id="token" name="token" type="password" placeholder="paste a token (npm run trellis -- token ...) or an API key; empty: anonymous" spellcheck="false" autocomplete="off">
</div>
<div id="graphiql" data-endpoint="${escapeAttribute(graphqlPath)}" data-default-query="${escapeAttribute(DEFAULT_QUERY)}">Loading the explorer...</div>
<script src="/explorer/react.js"></script>
<script src="/explorer/react-dom.js"></script>
<script src="/explorer/graphql-ws.js"></script>
<script src="/explorer/graphiql.js"></script>
<script src="/explorer/explorer.js"></script>
</body>
</html>
`;
}

const EXPLORER_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
.trellis-bar { display: flex; gap: 0.75rem; align-items: center; padding: 0.4rem 0.75rem; border-bottom: 1px solid #ddd; font-size: 0.9rem; }
.trellis-bar input { flex: 1; max-width: 48rem; font-family: monospace; padding: 0.25rem 0.4rem; }
#graphiql { flex: 1; min-height: 0; }
`;

/**
 * The page may load and connect only to this server ('self' covers ws: and wss: on the same host);
 * GraphiQL sets inline styles, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** True when a browser asks for a page: it prefers text/html to the GraphQL media types (curl's any-type Accept does not). */
export function wantsHtml(req: IncomingMessage): boolean {
  return req.method === 'GET' && accepts(req).type(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

/** Mounts the explorer at `/`, at GET `graphqlPath` for browsers, and its assets under /explorer/. Call before the GraphQL middleware. */
export function mountExplorer(app: Express, graphqlPath = '/graphql'): void {
  const html = page(graphqlPath);
  const assets = new Map<string, { body: Buffer | string; type: string }>([
    ['explorer.js', { body: EXPLORER_SCRIPT, type: 'text/javascript' }],
    ['explorer.css', { body: EXPLORER_CSS, type: 'text/css' }],
  ]);
  // Read once at start: a missing package fails the start, not the first visitor.
  for (const [name, asset] of Object.entries(NPM_ASSETS)) {
    assets.set(name, { body: fs.readFileSync(path.join(packageFolder(asset.pkg), asset.file)), type: asset.type });
  }

  const sendPage = (_req: Request, res: Response) => {
    res.set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': 'no-cache',
    });
    res.send(html);
  };
  app.get('/', sendPage);
  app.get(graphqlPath, (req, res, next) => (wantsHtml(req) ? sendPage(req, res) : next()));
  app.get('/explorer/:asset', (req, res) => {
    const asset = assets.get(req.params.asset);
    if (!asset) {
      res.status(404).type('text/plain').send(`No explorer asset named ${req.params.asset}.`);
      return;
    }
    res.set({ 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=3600' });
    res.send(asset.body);
  });
}
