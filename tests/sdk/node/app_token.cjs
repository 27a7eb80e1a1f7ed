// DingTalk's official Node SDK (which sends chunked bodies) against an opending server seeded
// with docs/examples/world.yaml. Run by crates/server/tests/api/sdk.rs with
// OPENDING_ENDPOINT=host:port; exits non-zero on the first failure.
'use strict';
const assert = require('node:assert/strict');
const oauth = require('@alicloud/dingtalk/oauth2_1_0');
const OpenApi = require('@alicloud/openapi-client');

const endpoint = process.env.OPENDING_ENDPOINT;
const client = new oauth.default(new OpenApi.Config({ protocol: 'http', endpoint }));
const req = (clientId, clientSecret, grantType = 'client_credentials') =>
  new oauth.GetTokenRequest({ clientId, clientSecret, grantType });

async function main() {
  const first = await client.getToken('dingacme', req('dingacmehr', 'acme-hr-secret-0123456789abcdef'));
  assert.equal(first.statusCode, 200);
  assert.equal(typeof first.body.accessToken, 'string');
  assert.equal(first.body.accessToken.length, 32);
  assert.equal(first.body.expiresIn, 7200);
  console.log('ok getToken');

  const again = await client.getToken('dingacme', req('dingacmehr', 'acme-hr-secret-0123456789abcdef'));
  assert.equal(again.body.accessToken, first.body.accessToken);
  console.log('ok getToken again returns the same token');

}

async function expectError(corp, request, status, code) {
  try {
    await client.getToken(corp, request);
  } catch (err) {
    assert.equal(err.code, code);
    assert.equal(err.statusCode, status);
    assert.ok(err.data.requestid);
    return;
  }
  assert.fail(`expected ${code}`);
}
async function errors() {
  await expectError('dingacme', req('dingacmehr', 'wrong-secret-000000'), 400, 'invalid.client');
  await expectError('dingacme', req('dingacmehr', 'acme-hr-secret-0123456789abcdef', 'password'), 400, 'unsupported.grant.type');
  await expectError('dingglobex', req('dingacmehr', 'acme-hr-secret-0123456789abcdef'), 401, 'unauthorized.client');
  console.log('ok errors');
}

main().then(errors).catch((e) => { console.error('FAILED:', e); process.exit(1); });
