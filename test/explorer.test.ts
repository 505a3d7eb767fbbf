import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { globalId, insertSchools } from './alert-fixtures';
import { adminAuthorization, startTestApp, type TestApp } from './helpers';

/**
 * The explorer in a real browser: Debian's chromium (`apt-get install chromium`; .ci/run does it),
 * driven by playwright-core. Every request that leaves localhost is refused and recorded, so the test
 * proves the page needs no internet.
 */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe('explorer in a browser', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await chromium.launch(CHROMIUM);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads with no request off localhost, runs a query, and shows a live alert from a subscription sent with the pasted token', async () => {
    const [schoolId] = await insertSchools(app, 1, 930001);
    const context = await browser.newContext();
    const offsite: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (LOCAL_HOSTS.has(url.hostname)) return route.continue();
      offsite.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const origin = new URL(app.url).origin;
    const responseText = () => page.locator('.graphiql-response').innerText();

    // A query, over HTTP, anonymous.
    const query = `{ schools(first: 5) { totalCount edges { node { urn name } } } }`;
    await page.goto(`${origin}/?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(responseText, { timeout: 20_000 }).toContain('930001');

    // A subscription, over graphql-ws, signed in with the token pasted into the bar (alerts are not public).
    await page.locator('#token').fill(await adminAuthorization());
    const subscription = `subscription { alertRaised { kind alert { severity school { urn name } } } }`;
    await page.goto(`${origin}/?query=${encodeURIComponent(subscription)}`);
    const subscribed = new Promise<void>((resolve) => {
      page.on('websocket', (socket) => {
        socket.on('framesent', (frame) => {
          if (String(frame.payload).includes('"subscribe"')) resolve();
        });
      });
    });
    await page.locator('.graphiql-execute-button').click();
    await subscribed;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the server registers the subscription after reading the frame
    const recorded = await app.data<{ measureRecord: { userErrors: unknown[] } }>(
      `mutation ($input: MeasureRecordInput!) { measureRecord(input: $input) { userErrors { message } } }`,
      {
        input: {
          schoolId: globalId('School', schoolId),
          metric: 'KS2_RWM_EXPECTED_PCT',
          academicYear: '2018/19',
          value: 21,
          source: 'explorer test',
        },
      },
    );
    expect(recorded.measureRecord.userErrors).toEqual([]);
    await expect.poll(responseText, { timeout: 20_000 }).toContain('PEER_REVIEW');
    expect(await responseText()).toContain('930001');

    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});

describe('explorer over HTTP', () => {
  let app: TestApp;
  let production: TestApp;

  beforeAll(async () => {
    [app, production] = await Promise.all([startTestApp(), startTestApp({ production: true })]);
  });

  afterAll(async () => {
    await Promise.all([app?.close(), production?.close()]);
  });

  const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  it('serves the page at / and at GET /graphql for a browser, locked to this server by its Content-Security-Policy', async () => {
    const origin = new URL(app.url).origin;
    for (const url of [`${origin}/`, app.url]) {
      const response = await fetch(url, { headers: { accept: browserAccept } });
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'.*connect-src 'self'/);
      const html = await response.text();
      expect(html).toContain('id="graphiql"');
      // Every script and stylesheet is this server's.
      for (const [, src] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(src, src).toMatch(/^\/explorer\//);
    }
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css', 'graphql-ws.js', 'explorer.js', 'explorer.css']) {
      const response = await fetch(`${origin}/explorer/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.text()).length, asset).toBeGreaterThan(100);
    }
    expect((await fetch(`${origin}/explorer/..%2Fpackage.json`)).status).toBe(404);
  });

  it('still answers GraphQL at /graphql to clients that do not ask for HTML', async () => {
    const get = await fetch(`${app.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: '*/*', 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    const post = await app.gql(`{ __typename }`);
    expect(post).toEqual({ data: { __typename: 'Query' } });
  });

  it('is off in production: no page at / or /graphql, no assets', async () => {
    const origin = new URL(production.url).origin;
    expect((await fetch(`${origin}/`, { headers: { accept: browserAccept } })).status).toBe(404);
    expect((await fetch(`${origin}/explorer/graphiql.js`)).status).toBe(404);
    const graphql = await fetch(production.url, { headers: { accept: browserAccept } });
    expect(await graphql.text()).not.toMatch(/graphiql|<html/i);
  });
});
