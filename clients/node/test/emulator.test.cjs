// The helper's own tests, with node:test: the hooks drive a real opending binary
// ($OPENDING_BINARY, or the image with $OPENDING_IMAGE), and the app under test is DingTalk's
// official Node SDK.
'use strict';
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const oauth = require('@alicloud/dingtalk/oauth2_1_0');
const contact = require('@alicloud/dingtalk/contact_1_0');
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');
const { Emulator, EmulatorError, useEmulator } = require('..');

const HR = 'dingacmehr';
const HR_SECRET = 'acme-hr-secret-0123456789abcdef';
const ACME = 'dingacme';
const ALICE = 'aliceUnionId0000000001';
const seed = path.join(__dirname, '..', '..', '..', 'docs', 'examples', 'world.yaml');

const emu = useEmulator({ seed }, { beforeAll: before, afterAll: after, beforeEach });
const config = () => new OpenApi.Config({ protocol: 'http', endpoint: emu.current.endpoint });

async function appToken() {
  const r = await new oauth.default(config()).getAccessToken(
    new oauth.GetAccessTokenRequest({ appKey: HR, appSecret: HR_SECRET }));
  return r.body.accessToken;
}

test('the official SDK gets an app token and the journal shows it', async () => {
  assert.equal((await appToken()).length, 32);
  const calls = await emu.current.requests({ pathPrefix: '/v1.0/oauth2/accessToken' });
  assert.deepEqual(calls.map((c) => [c.method, c.status]), [['POST', 200]]);
});

test('a minted code signs Alice in through the SDK', async () => {
  const code = await emu.current.mintCode({ clientId: HR, unionId: ALICE, scopes: ['Contact.User.Read'], corpId: ACME });
  const t = await new oauth.default(config()).getUserToken(new oauth.GetUserTokenRequest({
    clientId: HR, clientSecret: HR_SECRET, code, grantType: 'authorization_code' }));
  const me = await new contact.default(config()).getUserWithOptions('me',
    new contact.GetUserHeaders({ xAcsDingtalkAccessToken: t.body.accessToken }), new Util.RuntimeOptions({}));
  assert.equal(me.body.unionId, ALICE);
  assert.equal(me.body.nick, 'Alice Chen');
});

test('each test starts from the seed', async () => {
  assert.deepEqual(await emu.current.tokens(), []);
  await emu.current.applySeed({ orgs: [{ corpId: 'dingtemporg', name: 'Temporary' }] });
  await appToken();
  assert.equal((await emu.current.tokens()).length, 1);
  await emu.current.reset();
  assert.deepEqual(await emu.current.tokens(), []);
});

test('the clock expires tokens', async () => {
  const token = await appToken();
  const authInfos = () => fetch(`${emu.current.baseUrl}/v1.0/contact/organizations/authInfos`,
    { headers: { 'x-acs-dingtalk-access-token': token } });
  assert.equal((await authInfos()).status, 200);
  await emu.current.advanceClock(7201);
  const r = await authInfos();
  assert.equal(r.status, 400);
  assert.equal((await r.json()).code, 'InvalidAuthentication');
});

test('a control API error is thrown with its status', async () => {
  await assert.rejects(
    emu.current.mintCode({ clientId: HR, unionId: ALICE, scopes: ['No.Such.Point'], corpId: ACME }),
    (e) => e instanceof EmulatorError && e.status >= 400 && e.status < 500 && e.body !== undefined);
});

test('faults and events are reachable', async () => {
  await emu.current.addFault({ pathPrefix: '/v1.0/oauth2/accessToken', times: 1,
    action: { kind: 'error', code: 'Forbidden.AccessDenied.QpsLimitForApi' } });
  await assert.rejects(appToken(), (e) => e.code === 'Forbidden.AccessDenied.QpsLimitForApi');
  assert.equal((await appToken()).length, 32);
  const raised = await emu.current.raiseEvent({ eventType: 'user_add_org', corpId: ACME, data: { userId: ['alice'] } });
  assert.ok(raised.events.length > 0);
});

test('a missing binary is a clear error', async () => {
  await assert.rejects(Emulator.start({ binary: '/nonexistent/opending' }),
    (e) => e instanceof EmulatorError && /did not start/.test(e.message));
});
