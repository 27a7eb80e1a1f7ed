// npm dingtalk-stream 2.1.5 (DingTalk's official Node Stream SDK) against an opending emulator
// seeded with docs/examples/world.yaml. Its hosts are constants in its source (dist/constants):
// only those two are pointed at the server, nothing else is changed. The app's listener first
// answers LATER (the SDK's "consumer failed"), then SUCCESS on the redelivery; the event ends
// acknowledged after two attempts with the same messageId.
//
// Run by crates/server/tests/api/sdk.rs with OPENDING_ENDPOINT=host:port; exits non-zero on the
// first failure.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');

const base = `http://${process.env.OPENDING_ENDPOINT}`;
const constants = require(path.join(path.dirname(require.resolve('dingtalk-stream')), 'constants.cjs'));
constants.GATEWAY_URL = `${base}/v1.0/gateway/connections/open`;
constants.GET_TOKEN_URL = `${base}/gettoken`;
const { DWClient, EventAck } = require('dingtalk-stream');

async function emulator(method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return r.json();
}

async function main() {
  const seen = [];
  const client = new DWClient({
    clientId: 'dingacmedir',
    clientSecret: 'acme-dir-secret-0123456789abcdef',
  });
  client.registerAllEventListener((message) => {
    seen.push(message);
    return { status: seen.length === 1 ? EventAck.LATER : EventAck.SUCCESS };
  });
  await client.connect();
  console.log('ok connected');

  const raised = await emulator('POST', '/_opending/events', {
    eventType: 'org_dept_create', corpId: 'dingacme', data: { deptId: [31337] },
  });
  const eventId = raised.events[0].eventId;
  let done;
  for (let i = 0; i < 300 && !done; i++) {
    const list = await emulator('GET', '/_opending/events?clientId=dingacmedir');
    done = list.find((e) => e.eventId === eventId && e.state === 'acked');
    if (!done) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(done, 'the event was acknowledged');
  assert.equal(seen.length, 2);
  assert.equal(seen[0].headers.eventType, 'org_dept_create');
  assert.equal(seen[0].headers.messageId, seen[1].headers.messageId);
  assert.deepEqual(JSON.parse(seen[0].data).deptId, [31337]);
  assert.deepEqual(done.deliveries.map((d) => d.outcome), ['refused', 'acked']);
  console.log('ok LATER redelivered, SUCCESS acknowledged');

  // The SDK's own token call (GET_TOKEN_URL) gets the shared app token.
  const token = await client.getAccessToken();
  assert.equal(typeof token, 'string');
  console.log('ok getAccessToken');
  client.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
