// The developer backend and the operator pages in a real browser: Debian's headless Chromium
// driven by playwright-core. Started by crates/server/tests/api/console_dev_browser.rs, which
// runs the server and passes:
//
//   OPENDING_BASE         the server, e.g. http://127.0.0.1:41234
//   OPENDING_WORLD        JSON: the org and the users of docs/examples/world.yaml it needs
//   OPENDING_ADMIN_KEY    the admin key (for the operator sign-in)
//   OPENDING_SCREENSHOTS  where to write the PNG screenshots (docs/console)
//   OPENDING_CHROMIUM     the browser (default /usr/bin/chromium)
//
// Prints one line per scenario and "N passed, N failed"; exits non-zero on any failure.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const BASE = need('OPENDING_BASE');
const W = JSON.parse(need('OPENDING_WORLD'));
const ADMIN_KEY = need('OPENDING_ADMIN_KEY');
const SHOTS = need('OPENDING_SCREENSHOTS');
const CHROMIUM = process.env.OPENDING_CHROMIUM || '/usr/bin/chromium';

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (this script is run by crates/server/tests/api/console_dev_browser.rs)`);
    process.exit(2);
  }
  return v;
}

const shots = [];
async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  shots.push(`${name}.png`);
}

// Console errors, script errors and 5xx answers on opending's pages (4xx pages are expected
// where the test submits bad input on purpose).
const problems = [];
function watch(context, label) {
  context.on('page', (page) => {
    // Chromium logs every 4xx page as a console error; those are the 5xx check's business.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`${label} console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${label} script error: ${e}`));
    page.on('response', (r) => {
      if (r.url().startsWith(BASE) && r.status() >= 500) problems.push(`${label} HTTP ${r.status()} for ${r.url()}`);
    });
  });
}

/** `POST /v1.0/oauth2/{corpId}/token` as the app's backend would call it. */
async function appToken(corp, clientId, secret) {
  const r = await fetch(`${BASE}/v1.0/oauth2/${corp}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: clientId, client_secret: secret, grant_type: 'client_credentials' }),
  });
  return { status: r.status, body: await r.json() };
}

/** `GET /v1.0/contact/organizations/authInfos` with an app token: the status. */
async function authInfos(token) {
  const r = await fetch(`${BASE}/v1.0/contact/organizations/authInfos`, { headers: { 'x-acs-dingtalk-access-token': token } });
  await r.arrayBuffer();
  return r.status;
}

async function signIn(page, user) {
  await page.fill('#login', user.login);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  console.log(`# ${browser.version()} via playwright-core; server ${BASE}`);
  const desktop = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 800 } });
  desktop.setDefaultTimeout(15000);
  watch(desktop, 'desktop');
  const page = await desktop.newPage();

  let passed = 0;
  let failed = 0;
  async function scenario(name, fn) {
    try {
      await fn();
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}\n${String(e && e.stack || e).replace(/^/gm, '    ')}`);
      throw e;
    }
  }

  const app = {};
  try {
    await scenario('a. the console asks for sign-in, then lists the apps of my orgs', async () => {
      await page.goto(`${BASE}/console?lang=en`);
      assert.equal(new URL(page.url()).pathname, '/login');
      await signIn(page, W.alice);
      assert.equal(new URL(page.url()).pathname, '/console');
      assert.ok(await page.isVisible(`a[href="/console/apps/${W.hr}"]`));
      await shot(page, 'dev-list-en');
    });

    await scenario('b. create an app with the keyboard; the secret is shown once and gets a token', async () => {
      await page.click('#new-app');
      await page.waitForURL((u) => u.pathname === '/console/apps/new');
      await page.selectOption('#corp_id', W.acme);
      await page.fill('#name', 'Expense Reports');
      await page.fill('#icon_url', '');
      await shot(page, 'dev-new-en');
      // Keyboard only: Tab reaches the Create button and Enter submits.
      let reached = false;
      for (let i = 0; i < 12 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'create-app');
      }
      assert.ok(reached, 'Tab never reached the Create button');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      app.id = (await page.textContent('#client-id')).trim();
      app.secret = (await page.textContent('#client-secret')).trim();
      assert.ok(app.secret.length >= 32, app.secret);
      await shot(page, 'dev-secret-en');
      const t = await appToken(W.acme, app.id, app.secret);
      assert.equal(t.status, 200, JSON.stringify(t.body));
      app.token = t.body.access_token;
      assert.equal(await authInfos(app.token), 403, 'no Contact.Org.Read yet');
      await page.click('#to-app');
      await page.waitForURL((u) => u.pathname === `/console/apps/${app.id}`);
      assert.ok(!(await page.content()).includes(app.secret), 'the app page shows the secret');
    });

    await scenario('c. adding Contact.Org.Read in the console lets the same token read authInfos', async () => {
      await Promise.all([page.waitForNavigation(), page.click('button[data-point="Contact.Org.Read"]')]);
      assert.ok(await page.isVisible('li.added'), 'the point is shown as added');
      assert.equal(await authInfos(app.token), 200);
      await page.fill('#add-origin', 'https://expenses.acme.example');
      await Promise.all([page.waitForNavigation(), page.click('#add-origin-button')]);
      await page.fill('#add-redirect', 'https://expenses.acme.example/callback');
      await Promise.all([page.waitForNavigation(), page.click('#add-redirect-button')]);
      assert.ok((await page.content()).includes('https://expenses.acme.example/callback'));
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, 'dev-app-en');
    });

    await scenario('d. a bad redirect URI is explained on the page', async () => {
      await page.fill('#add-redirect', 'not a url');
      await Promise.all([page.waitForNavigation(), page.click('#add-redirect-button')]);
      const err = await page.textContent('#form-error');
      assert.match(err, /absolute https URL/);
      await shot(page, 'dev-app-error-en');
    });

    await scenario('e. rotating the secret asks first, shows the new one once, and retires the old one', async () => {
      await page.goto(`${BASE}/console/apps/${app.id}`);
      await Promise.all([page.waitForNavigation(), page.click('#rotate')]);
      await shot(page, 'dev-rotate-confirm-en');
      await Promise.all([page.waitForNavigation(), page.click('#confirm-rotate')]);
      const fresh = (await page.textContent('#client-secret')).trim();
      assert.notEqual(fresh, app.secret);
      await shot(page, 'dev-rotated-en');
      const old = await appToken(W.acme, app.id, app.secret);
      assert.equal(old.status, 400, JSON.stringify(old.body));
      assert.equal(old.body.code, 'invalid.client');
      assert.notEqual(await authInfos(app.token), 200, 'the old token was revoked');
      const t = await appToken(W.acme, app.id, fresh);
      assert.equal(t.status, 200, JSON.stringify(t.body));
      assert.equal(await authInfos(t.body.access_token), 200, 'the point stays with the app');
    });

    await scenario('f. on a phone, in Chinese: the list, the app and the create form', async () => {
      const phone = await browser.newContext({
        locale: 'zh-CN', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      });
      phone.setDefaultTimeout(15000);
      watch(phone, 'phone');
      const p = await phone.newPage();
      await p.goto(`${BASE}/console`);
      await signIn(p, W.alice);
      assert.equal(await p.getAttribute('html', 'lang'), 'zh-CN');
      await shot(p, 'dev-list-phone-zh');
      await p.goto(`${BASE}/console/apps/${app.id}`);
      const overflow = await p.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth, ...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)) - window.innerWidth);
      assert.ok(overflow <= 1, `the app page is ${overflow}px wider than the phone`);
      await shot(p, 'dev-app-phone-zh');
      await p.goto(`${BASE}/console/apps/new`);
      await shot(p, 'dev-new-phone-zh');
      await phone.close();
    });

    await scenario('g. Chinese desktop list, then deleting the app asks first', async () => {
      await page.goto(`${BASE}/console?lang=zh`);
      await shot(page, 'dev-list-zh');
      await page.goto(`${BASE}/console/apps/${app.id}`);
      await shot(page, 'dev-app-zh');
      await Promise.all([page.waitForNavigation(), page.click('#delete')]);
      await page.goto(`${BASE}/console/apps/${app.id}/delete?lang=en`);
      await shot(page, 'dev-delete-confirm-en');
      await Promise.all([page.waitForNavigation(), page.click('#confirm-delete')]);
      assert.equal(new URL(page.url()).pathname, '/console');
      assert.ok(await page.isVisible('.notice'));
      assert.ok(!(await page.content()).includes(app.id));
      const t = await appToken(W.acme, app.id, app.secret);
      assert.notEqual(t.status, 200);
    });

    await scenario('h. the operator signs in with the admin key: orgs, users, the point catalogue', async () => {
      const op = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 800 } });
      op.setDefaultTimeout(15000);
      watch(op, 'operator');
      const p = await op.newPage();
      await p.goto(`${BASE}/operator`);
      assert.equal(new URL(p.url()).pathname, '/operator/login');
      await shot(p, 'operator-login-en');
      await p.fill('#admin_key', ADMIN_KEY);
      await Promise.all([p.waitForNavigation(), p.click('#operator-sign-in')]);
      assert.equal(new URL(p.url()).pathname, '/operator/orgs');
      await p.fill('#org-name', 'Umbrella Corp');
      await Promise.all([p.waitForNavigation(), p.click('#create-org')]);
      assert.ok((await p.content()).includes('Umbrella Corp'));
      await shot(p, 'operator-orgs-en');
      await p.goto(`${BASE}/operator/users`);
      assert.ok((await p.content()).includes(W.alice.login));
      await shot(p, 'operator-users-en');
      await p.goto(`${BASE}/operator/points`);
      await p.fill('#point-code', 'Acme.Expense.Read');
      await p.fill('#point-name', 'Read expense reports');
      await p.selectOption('#point-grant', 'app');
      await Promise.all([p.waitForNavigation(), p.click('#create-point')]);
      assert.ok((await p.content()).includes('Acme.Expense.Read'));
      await shot(p, 'operator-points-en');
      await p.goto(`${BASE}/operator/orgs?lang=zh`);
      await shot(p, 'operator-orgs-zh');
      await p.setViewportSize({ width: 390, height: 844 });
      await p.goto(`${BASE}/operator/points`);
      await shot(p, 'operator-points-phone-zh');
      await op.close();
    });

    await scenario('no console errors, script errors or 5xx answers on opending\'s pages', async () => {
      assert.deepEqual(problems, []);
    });
  } catch (_) {
    for (const ctx of browser.contexts()) {
      for (const [i, p] of ctx.pages().entries()) {
        const file = path.join(require('node:os').tmpdir(), `opending-console-failure-${i}.png`);
        await p.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.log(`# page ${p.url()} -> ${file}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`# screenshots in ${SHOTS}: ${shots.join(', ')}`);
  if (problems.length) console.log(`# problems:\n${problems.map((p) => '#   ' + p).join('\n')}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const guard = setTimeout(() => {
  console.log('not ok - the console browser test took longer than 240 s');
  process.exit(1);
}, 240000);
guard.unref();

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e) => {
    console.log(`not ok - ${e && e.stack || e}`);
    process.exit(1);
  },
);
