// The demo world's openAuth test page (/demo/openauth) in headless Chromium: the page opening
// the openAuth popup, the demo user signing in with the password `serve --demo` printed,
// consenting, and the code reaching the page, which then shows the calls that exchange it; the
// code is exchanged and the user read, as the page says. Started by
// crates/server/tests/api/browser.rs with:
//
//   OPENDING_BASE         the server (started with the demo world)
//   OPENDING_WORLD        JSON: {clientId, clientSecret, corpId, login, password}
//   OPENDING_SCREENSHOTS  where to write the PNG screenshots (docs/screenshots)
//   OPENDING_CHROMIUM     the browser (default /usr/bin/chromium)
//
// Prints one line per scenario and "N passed, N failed"; exits non-zero on any failure.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { clickClosing } = require('./popup.cjs');

const BASE = process.env.OPENDING_BASE;
const W = JSON.parse(process.env.OPENDING_WORLD || '{}');
const SHOTS = process.env.OPENDING_SCREENSHOTS;
const CHROMIUM = process.env.OPENDING_CHROMIUM || '/usr/bin/chromium';
if (!BASE || !SHOTS || !W.clientId) {
  console.error('run by crates/server/tests/api/browser.rs (OPENDING_BASE, OPENDING_WORLD, OPENDING_SCREENSHOTS)');
  process.exit(2);
}
const onOpending = (p) => (u) => u.origin === new URL(BASE).origin && u.pathname === p;

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems = [];
  let passed = 0;
  let failed = 0;
  try {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 900, height: 760 } });
    ctx.setDefaultTimeout(15000);
    ctx.on('page', (page) => {
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message} (${page.url()})`));
    });
    const page = await ctx.newPage();
    try {
      await page.goto(`${BASE}/demo/openauth`);
      assert.equal(await page.textContent('#demo-client-id'), W.clientId);
      await page.screenshot({ path: path.join(SHOTS, 'demo-openauth-en.png'), fullPage: true });

      const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#demo-authorize')]);
      await popup.waitForURL(onOpending('/login'));
      await popup.fill('#login', W.login);
      await popup.fill('#password', W.password);
      await Promise.all([popup.waitForNavigation(), popup.click('#sign-in')]);
      await popup.waitForURL(onOpending('/openauth'));
      await clickClosing(popup, '#allow');

      await page.waitForSelector('#demo-result[data-done="1"]', { state: 'attached' });
      const result = JSON.parse(await page.textContent('#demo-result'));
      assert.equal(result.status, 'ok', JSON.stringify(result));
      const code = result.result.authCode;
      assert.ok(await page.isVisible('#demo-curl'));
      assert.ok((await page.textContent('#demo-curl')).includes(code));
      await page.screenshot({ path: path.join(SHOTS, 'demo-openauth-result-en.png'), fullPage: true });

      // What the page tells the developer to do next, done.
      const t = await fetch(`${BASE}/v1.0/oauth2/userAccessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: W.clientId, clientSecret: W.clientSecret, code, grantType: 'authorization_code' }),
      });
      assert.equal(t.status, 200);
      const me = await fetch(`${BASE}/v1.0/contact/users/me`, {
        headers: { 'x-acs-dingtalk-access-token': (await t.json()).accessToken },
      });
      assert.equal((await me.json()).nick, 'Demo User');
      assert.deepEqual(problems, []);
      passed++;
      console.log('ok - the demo user authorizes the internal app from the test page; the code becomes a user token');
    } catch (e) {
      failed++;
      console.log(`not ok - the demo test page\n${String(e && e.stack || e).replace(/^/gm, '    ')}`);
      if (problems.length) console.log(`# problems:\n${problems.map((p) => '#   ' + p).join('\n')}`);
    }
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const guard = setTimeout(() => { console.log('not ok - the demo browser test took longer than 120 s'); process.exit(1); }, 120000);
guard.unref();
main().then((ok) => process.exit(ok ? 0 : 1), (e) => { console.log(`not ok - ${e && e.stack || e}`); process.exit(1); });
