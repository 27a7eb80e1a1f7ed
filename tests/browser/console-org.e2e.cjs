// The org administration pages in a real browser: Debian's headless Chromium driven by
// playwright-core. Started by crates/server/tests/api/console_org_browser.rs, which runs the
// server (seed docs/examples/world.yaml), files a pending openAuth type-1 request (Alice asks for
// Contact.Org.Read for CRM in Globex) and passes:
//
//   OPENDING_BASE         the server
//   OPENDING_WORLD        JSON: apps, orgs and users
//   OPENDING_SCREENSHOTS  where to write the PNGs (docs/console)
//   OPENDING_CHROMIUM     the browser (default /usr/bin/chromium)
//
// Prints one line per scenario and "N passed, N failed"; exits non-zero on any failure.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (run by crates/server/tests/api/console_org_browser.rs)`);
    process.exit(2);
  }
  return v;
}
const BASE = need('OPENDING_BASE');
const W = JSON.parse(need('OPENDING_WORLD'));
const SHOTS = need('OPENDING_SCREENSHOTS');
const CHROMIUM = process.env.OPENDING_CHROMIUM || '/usr/bin/chromium';

async function api(method, p, { token, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers['x-acs-dingtalk-access-token'] = token;
  const r = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
async function appToken(app, corpId) {
  const t = await api('POST', `/v1.0/oauth2/${corpId}/token`, {
    body: { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'client_credentials' },
  });
  return t;
}
const authInfos = (token) => api('GET', '/v1.0/contact/organizations/authInfos', { token });

const shots = [];
async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  shots.push(`${name}.png`);
}
const problems = [];
function watch(context, label) {
  context.on('page', (page) => {
    // Pages answered 4xx on purpose (a refused form, the 403 page) log "Failed to load resource".
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`${label} console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
  });
}
let passed = 0;
let failed = 0;
async function scenario(name, f) {
  try {
    await f();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}\n${(e && e.stack) || e}`);
    throw e;
  }
}
const onPath = (p) => (u) => u.origin === new URL(BASE).origin && u.pathname === p;

async function signedIn(browser, user, viewport, locale) {
  const ctx = await browser.newContext({ viewport, locale });
  ctx.setDefaultTimeout(15000);
  watch(ctx, user.login);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login?next=/account`);
  await page.fill('#login', user.login);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  return { ctx, page };
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const G = W.globex;
  try {
    const { ctx, page } = await signedIn(browser, W.carol, { width: 1100, height: 760 }, 'en-US');

    await scenario('members: listed, the last admin is marked and cannot be removed', async () => {
      await page.goto(`${BASE}/org/${G}`);
      await page.waitForURL(onPath(`/org/${G}/members`));
      assert.equal(await page.locator('#members tbody tr').count(), 2);
      const carolRow = page.locator(`tr[data-union-id="${W.carol.unionId}"]`);
      assert.ok((await carolRow.innerText()).includes('last admin'));
      assert.equal(await carolRow.locator('a.danger').count(), 0);
      assert.equal(await page.getAttribute('nav.tabs a[aria-current="page"]', 'href'), `/org/${G}/members`);
      await shot(page, 'org-members-en');
      // Keyboard: the add-member form is reachable and submits with Enter.
      await page.focus('#new-user');
      await page.keyboard.type('nobody-at-all');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.ok((await page.innerText('#form-error')).includes('nobody-at-all'));
      await shot(page, 'org-members-error-en');
      await page.goto(`${BASE}/org/${G}/members?lang=zh`);
      await shot(page, 'org-members-zh');
      await page.goto(`${BASE}/org/${G}/members?lang=en`);
    });

    await scenario('requests: approving a toAdmin request gives the app token the point', async () => {
      const crm = await appToken(W.crm, G);
      assert.equal(crm.status, 200);
      assert.equal((await authInfos(crm.body.access_token)).status, 403);
      await page.click(`nav.tabs a[href="/org/${G}/requests"]`);
      await page.waitForURL(onPath(`/org/${G}/requests`));
      const row = page.locator('#requests tbody tr');
      assert.equal(await row.count(), 1);
      assert.ok((await row.innerText()).includes('Contact.Org.Read'));
      await shot(page, 'org-requests-en');
      await Promise.all([page.waitForNavigation(), page.click('#requests button.approve')]);
      assert.ok((await page.innerText('.notice')).includes('approved'));
      assert.ok(await page.locator('p.empty').isVisible());
      await shot(page, 'org-requests-empty-en');
      const info = await authInfos(crm.body.access_token);
      assert.equal(info.status, 200, JSON.stringify(info.body));
    });

    await scenario('installations: suspending refuses the app token, resuming lets it work again', async () => {
      const travel = await appToken(W.travel, G);
      assert.equal((await authInfos(travel.body.access_token)).status, 200);
      await page.click(`nav.tabs a[href="/org/${G}/installations"]`);
      await page.waitForURL(onPath(`/org/${G}/installations`));
      await shot(page, 'org-installations-en');
      const row = () => page.locator(`tr[data-client-id="${W.travel.clientId}"]`);
      await Promise.all([page.waitForNavigation(), row().locator('button.suspend').click()]);
      assert.ok((await row().innerText()).includes('Suspended'));
      await shot(page, 'org-installations-suspended-en');
      assert.equal((await authInfos(travel.body.access_token)).status, 400, 'the old token is refused');
      assert.notEqual((await appToken(W.travel, G)).status, 200, 'no new token while suspended');
      await Promise.all([page.waitForNavigation(), row().locator('button.resume').click()]);
      assert.ok((await row().innerText()).includes('Active'));
      const again = await appToken(W.travel, G);
      assert.equal(again.status, 200);
      assert.equal((await authInfos(again.body.access_token)).status, 200);
      // Uninstall asks first.
      await page.click(`tr[data-client-id="${W.crm.clientId}"] a.danger`);
      await page.waitForURL(onPath(`/org/${G}/installations/${W.crm.clientId}/uninstall`));
      await shot(page, 'org-uninstall-confirm-en');
      await page.click('a.button.secondary');
      await page.waitForURL(onPath(`/org/${G}/installations`));
      await page.goto(`${BASE}/org/${G}/installations?lang=zh`);
      await shot(page, 'org-installations-zh');
      await page.goto(`${BASE}/org/${G}/certification?lang=en`);
      await shot(page, 'org-certification-empty-en');
    });

    await scenario('audit: the approval and the suspension are in the org audit events', async () => {
      await page.click(`nav.tabs a[href="/org/${G}/audit"]`);
      await page.waitForURL(onPath(`/org/${G}/audit`));
      assert.equal(await page.getAttribute('nav.tabs a[aria-current="page"]', 'href'), `/org/${G}/audit`);
      const kinds = () => page.locator('#audit tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.kind));
      const all = await kinds();
      assert.ok(all.includes('consent_granted'), `the approval: ${all}`);
      assert.ok(all.includes('admin_action'), `the suspension: ${all}`);
      const text = await page.innerText('#audit');
      assert.ok(text.includes('status=suspended') && text.includes(W.travel.clientId), text);
      assert.ok(text.includes('Contact.Org.Read') || text.includes(W.crm.clientId), text);
      for (const secret of [W.crm.clientSecret, W.travel.clientSecret]) {
        assert.ok(!(await page.content()).includes(secret), 'no secret on the page');
      }
      await shot(page, 'org-audit-en');
      // Keyboard: pick a kind, then Enter in the app field submits the filter.
      await page.focus('#audit-kind');
      await page.selectOption('#audit-kind', 'admin_action');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'audit-app');
      await page.keyboard.type(W.travel.clientId);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const filtered = await kinds();
      assert.ok(filtered.length >= 2 && filtered.every((k) => k === 'admin_action'), `${filtered}`);
      assert.ok(await page.locator('#audit-clear').isVisible());
      await shot(page, 'org-audit-filtered-en');
      await page.goto(`${BASE}/org/${G}/audit?kind=secret_rotated`);
      assert.ok(await page.locator('p.empty').isVisible());
      await shot(page, 'org-audit-empty-en');
      await page.goto(`${BASE}/org/${G}/audit?lang=zh`);
      assert.ok((await page.innerText('h1')).includes('审计日志'));
      await shot(page, 'org-audit-zh');
      await page.goto(`${BASE}/org/${G}/audit?lang=en`);
    });
    await ctx.close();

    await scenario('certification and phone-sized pages', async () => {
      const alice = await signedIn(browser, W.alice, { width: 1100, height: 760 }, 'zh-CN');
      await alice.page.goto(`${BASE}/org/${W.acme}/certification`);
      assert.ok((await alice.page.innerText('dl.facts')).includes('Acme Corporation Ltd.'));
      await shot(alice.page, 'org-certification-zh');
      await alice.page.goto(`${BASE}/org/${W.acme}/certification?lang=en`);
      await shot(alice.page, 'org-certification-en');
      // A member of Globex but not its admin.
      const r = await alice.page.goto(`${BASE}/org/${G}/members`);
      assert.equal(r.status(), 403);
      await shot(alice.page, 'org-forbidden-en');
      await alice.ctx.close();
      const phone = await signedIn(browser, W.carol, { width: 390, height: 844 }, 'zh-CN');
      for (const tab of ['members', 'installations', 'requests', 'certification', 'audit']) {
        await phone.page.goto(`${BASE}/org/${G}/${tab}?lang=zh`);
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${tab} fits a phone (overflow ${overflow}px)`);
        await shot(phone.page, `org-${tab}-phone-zh`);
      }
      await phone.ctx.close();
    });

    await scenario('no console or script errors', async () => {
      assert.deepEqual(problems, []);
    });
  } catch (_) {
    // reported above
  } finally {
    await browser.close();
  }
  console.log(`# screenshots in ${SHOTS}: ${shots.join(', ')}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const guard = setTimeout(() => {
  console.log('not ok - the browser test took longer than 180 s');
  process.exit(1);
}, 180000);
guard.unref();
main().then((ok) => process.exit(ok ? 0 : 1), (e) => { console.log(`not ok - ${e && e.stack || e}`); process.exit(1); });
