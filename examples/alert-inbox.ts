// A governor's alert inbox, for Node 20 and 22: reads the alerts it has not seen yet, then follows new
// ones live. It keeps the cursor of the last alert it printed in a file, and after a dropped connection
// or a restart it resumes from that cursor: nothing missed, nothing twice.
import fs from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

type Severity = 'WATCH' | 'PEER_REVIEW' | 'INTERVENTION';
interface Alert {
  severity: Severity;
  school: { urn: number; name: string };
  rule: { name: string };
}
interface InboxPage {
  alerts: { edges: { cursor: string; node: Alert }[]; pageInfo: { hasNextPage: boolean } };
}
interface RaisedEvent {
  alertRaised: { cursor: string; alert: Alert };
}

const url = process.env.TRELLIS_URL ?? 'http://localhost:4000/graphql';
const authorization = `Bearer ${process.env.TOKEN}`; // npm run --silent trellis -- token <your email>
const cursorFile = process.env.CURSOR_FILE ?? 'alert-inbox.cursor';
let since: string | undefined = fs.existsSync(cursorFile) ? fs.readFileSync(cursorFile, 'utf8').trim() : undefined;

function show(cursor: string, alert: Alert): void {
  console.log(`${alert.severity} ${alert.school.name} (${alert.school.urn}): ${alert.rule.name}`);
  since = cursor;
  fs.writeFileSync(cursorFile, cursor);
}

const ALERT_FIELDS = 'severity school { urn name } rule { name }';

// The inbox: the alert log in commit order, a page at a time, after the last cursor seen.
async function catchUp(): Promise<void> {
  for (;;) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({
        query: `query Inbox($after: String) { alerts(first: 100, after: $after) {
          edges { cursor node { ${ALERT_FIELDS} } } pageInfo { hasNextPage } } }`,
        variables: { after: since },
      }),
    });
    const { data, errors } = (await response.json()) as { data?: InboxPage; errors?: { message: string }[] };
    if (!data) throw new Error(errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`);
    for (const edge of data.alerts.edges) show(edge.cursor, edge.node);
    if (!data.alerts.pageInfo.hasNextPage) return;
  }
}

const client = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket, // Node 20 has no global WebSocket; ws works on 20 and 22 alike
  connectionParams: { authorization },
  retryAttempts: 0, // we resubscribe ourselves, with the latest cursor (graphql-ws would resend the first one)
});

// Live alerts. `since` makes the server first send everything after our cursor, then live events.
async function follow(): Promise<void> {
  for (;;) {
    try {
      const events = client.iterate<RaisedEvent>({
        query: `subscription Raised($since: String) { alertRaised(since: $since) { cursor alert { ${ALERT_FIELDS} } } }`,
        variables: { since },
      });
      console.log(`following live alerts after ${since ?? 'now'}`);
      for await (const { data, errors } of events) {
        if (errors) throw new Error(errors.map((e) => e.message).join('; '));
        if (data) show(data.alertRaised.cursor, data.alertRaised.alert);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : `socket closed (${(error as { code?: number }).code})`;
      console.log(`disconnected: ${reason}; resuming in 1 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

catchUp()
  .then(follow)
  .catch((error: Error) => {
    console.error(`alert inbox: ${error.message}`);
    process.exit(1);
  });
