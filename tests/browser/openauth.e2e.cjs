// A real browser through opending's pages: Debian's headless Chromium driven by playwright-core
// (which never downloads a browser of its own). Started by crates/server/tests/api/browser.rs,
// which runs the server, registers this script's demo app origin and callback, and passes:
//
//   OPENDING_BASE         the server, e.g. http://127.0.0.1:41234
//   OPENDING_DEMO_PORT    the port this script serves the demo app on (127.0.0.1)
//   OPENDING_WORLD        JSON: apps, orgs and users of docs/examples/world.yaml
//   OPENDING_SCREENSHOTS  where to write the PNG screenshots (docs/screenshots)
//   OPENDING_CHROMIUM     the browser (default /usr/bin/chromium)
//
// The demo app is a static page that loads {OPENDING_BASE}/sdk/openauth.js and calls
// openAuth({...}) from buttons, writing the result into the DOM, as a DingTalk app would.
// A second server on another port plays a foreign origin that forges postMessages.
//
// Prints one line per scenario and "N passed, N failed"; exits non-zero on any failure.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { clickClosing } = require('./popup.cjs');

const BASE = need('OPENDING_BASE');
const DEMO_PORT = Number(need('OPENDING_DEMO_PORT'));
const W = JSON.parse(need('OPENDING_WORLD'));
const SHOTS = need('OPENDING_SCREENSHOTS');
const CHROMIUM = process.env.OPENDING_CHROMIUM || '/usr/bin/chromium';
const DEMO = `http://127.0.0.1:${DEMO_PORT}`;
const CALLBACK = `${DEMO}/callback`;
const FORGED_CODE = 'forged-code-from-a-foreign-origin';

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (this script is run by crates/server/tests/api/browser.rs)`);
    process.exit(2);
  }
  return v;
}

// ---------------------------------------------------------------- the demo app and the foreign site

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function demoPage() {
  const button = (id, label, opts) =>
    `<button type="button" id="${id}" data-opts="${esc(JSON.stringify(opts))}">${esc(label)}</button>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo app</title></head>
<body>
<h1>Demo app</h1>
<p>Calls opending's <code>openAuth</code> from <code>${esc(BASE)}/sdk/openauth.js</code>.</p>
${button('type0', 'Authorize (type 0, Acme HR)', { type: 0, clientId: W.hr.clientId, corpId: W.acme, rpcScope: 'Contact.User.Read', fieldScope: 'Contact.User.mobile' })}
${button('type1', 'Grant the org (type 1, CRM in Globex)', { type: 1, clientId: W.crm.clientId, corpId: W.globex, rpcScope: 'Contact.Org.Read' })}
${button('bad', 'A point that does not exist', { type: 0, clientId: W.hr.clientId, corpId: W.acme, rpcScope: 'No.Such.Point' })}
${button('notmember', 'Authorize in an org Alice is not in', { type: 0, clientId: W.hr.clientId, corpId: W.initech, rpcScope: 'Contact.User.Read' })}
${button('notopened', 'Grant CRM in Acme (not installed)', { type: 1, clientId: W.crm.clientId, corpId: W.acme, rpcScope: 'Contact.Org.Read' })}
<pre id="result" aria-live="polite"></pre>
<script src="${esc(BASE)}/sdk/openauth.js"></script>
<script src="/demo.js"></script>
</body></html>`;
}

// Each button calls openAuth with its options and writes the settled result into #result.
// Every message the window receives is also recorded, to prove forged ones did arrive.
const DEMO_JS = `'use strict';
window.seenMessages = [];
window.addEventListener('message', function (ev) { window.seenMessages.push({ origin: ev.origin, data: ev.data }); });
document.querySelectorAll('button[data-opts]').forEach(function (b) {
  b.addEventListener('click', function () {
    var out = document.getElementById('result');
    out.textContent = '';
    out.removeAttribute('data-done');
    openAuth(JSON.parse(b.getAttribute('data-opts'))).then(function (r) {
      out.textContent = JSON.stringify(r);
      out.setAttribute('data-done', '1');
    });
  });
});
`;

function callbackPage(url) {
  const rows = [...url.searchParams].map(([k, v]) => `<dt>${esc(k)}</dt><dd id="${esc(k)}">${esc(v)}</dd>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo app callback</title></head>
<body><h1>Signed in</h1><dl>${rows}</dl></body></html>`;
}

// The foreign site: a page that, framed in the demo app, posts forged openAuth results to it.
function forgePage() {
  const forged = { opendingOpenAuth: true, result: { status: 'ok', result: { authCode: FORGED_CODE } } };
  return `<!doctype html><html><head><meta charset="utf-8"><title>forger</title></head><body>
<script>
var forged = ${JSON.stringify(forged)};
parent.postMessage(forged, '*');
top.postMessage(forged, '*');
</script></body></html>`;
}

function serve(port, handler) {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const [status, type, body] = handler(url);
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const HTML = 'text/html; charset=utf-8';
const demoHandler = (url) => {
  if (url.pathname === '/') return [200, HTML, demoPage()];
  if (url.pathname === '/demo.js') return [200, 'text/javascript; charset=utf-8', DEMO_JS];
  if (url.pathname === '/callback') return [200, HTML, callbackPage(url)];
  if (url.pathname === '/favicon.ico') return [204, 'image/x-icon', ''];
  return [404, 'text/plain', 'not found'];
};
// The foreign site's own app page: loads openauth.js from an origin no app registered.
function foreignAppPage() {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unregistered site</title></head>
<body><h1>Unregistered site</h1><script src="${esc(BASE)}/sdk/openauth.js"></script></body></html>`;
}
const foreignHandler = (url) => {
  if (url.pathname === '/forge') return [200, HTML, forgePage()];
  if (url.pathname === '/app') return [200, HTML, foreignAppPage()];
  if (url.pathname === '/favicon.ico') return [204, 'image/x-icon', ''];
  return [404, 'text/plain', 'not found'];
};

// ---------------------------------------------------------------- opending's HTTP API (no browser)

async function api(method, p, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['x-acs-dingtalk-access-token'] = token;
  const r = await fetch(BASE + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function exchange(app, code) {
  const t = await api('POST', '/v1.0/oauth2/userAccessToken', {
    body: { clientId: app.clientId, clientSecret: app.clientSecret, code, grantType: 'authorization_code' },
  });
  assert.equal(t.status, 200, `userAccessToken: ${JSON.stringify(t.body)}`);
  return t.body;
}

async function appToken(app, corpId) {
  const t = await api('POST', `/v1.0/oauth2/${corpId}/token`, {
    body: { client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'client_credentials' },
  });
  assert.equal(t.status, 200, `app token: ${JSON.stringify(t.body)}`);
  return t.body.access_token;
}

// ---------------------------------------------------------------- browser helpers

const problems = []; // console errors, page errors and failed requests on opending's pages

function watch(context, label) {
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${label} console: ${m.text()} (${page.url()})`);
    });
    page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message} (${page.url()})`));
    page.on('response', (r) => {
      if (r.url().startsWith(BASE) && r.status() >= 400) {
        problems.push(`${label} HTTP ${r.status()} for ${r.url()}`);
      }
    });
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  shots.push(`${name}.png`);
}
const shots = [];

/** Clicks a demo button and returns the openAuth popup. */
async function openPopup(demo, button) {
  const [popup] = await Promise.all([demo.waitForEvent('popup'), demo.click(button)]);
  await popup.waitForLoadState('domcontentloaded');
  return popup;
}

/** The settled result the demo page wrote into #result. */
async function demoResult(demo) {
  await demo.waitForSelector('#result[data-done="1"]', { state: 'attached' });
  return JSON.parse(await demo.textContent('#result'));
}

async function signIn(page, user) {
  await page.fill('#login', user.login);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
}

const onOpending = (p) => (u) => u.origin === new URL(BASE).origin && u.pathname === p;

// ---------------------------------------------------------------- scenarios

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const demoServer = await serve(DEMO_PORT, demoHandler);
  const foreignServer = await serve(0, foreignHandler);
  const FOREIGN = `http://127.0.0.1:${foreignServer.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  console.log(`# ${browser.version()} via playwright-core; server ${BASE}; demo app ${DEMO}; foreign site ${FOREIGN}`);

  // Alice, in Chinese, with a popup-sized window: the demo app and its openAuth popups.
  const alice = await browser.newContext({ locale: 'zh-CN', viewport: { width: 540, height: 760 } });
  alice.setDefaultTimeout(15000);
  watch(alice, 'alice');
  const demo = await alice.newPage();
  await demo.goto(DEMO + '/');

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

  try {
    await scenario('a. type 0: sign in in the popup, consent, authCode to the opener, user token reads mobile', async () => {
      const popup = await openPopup(demo, '#type0');
      await popup.waitForURL(onOpending('/login'));
      assert.equal(await popup.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await popup.textContent('h1'), '登录');
      await shot(popup, 'signin-zh');
      await signIn(popup, W.alice);
      await popup.waitForURL(onOpending('/openauth'));
      const card = popup.locator('#consent');
      await card.waitFor();
      const text = await card.innerText();
      for (const want of ['Acme HR', W.hr.clientId, 'Acme Corp', 'Contact.User.Read', 'Contact.User.mobile']) {
        assert.ok(text.includes(want), `consent page shows ${want}:\n${text}`);
      }
      assert.equal(await popup.locator('ul.points li').count(), 2);
      await shot(popup, 'consent-type0-zh');
      await clickClosing(popup, '#allow');
      const r = await demoResult(demo);
      assert.deepEqual(Object.keys(r).sort(), ['result', 'status']);
      assert.equal(r.status, 'ok');
      assert.deepEqual(Object.keys(r.result), ['authCode']);
      assert.match(r.result.authCode, /^[0-9a-zA-Z]{16,}$/);
      const t = await exchange(W.hr, r.result.authCode);
      assert.equal(t.corpId, W.acme);
      const me = await api('GET', '/v1.0/contact/users/me', { token: t.accessToken });
      assert.equal(me.status, 200, JSON.stringify(me.body));
      assert.equal(me.body.unionId, W.alice.unionId);
      assert.equal(me.body.mobile, W.alice.mobile);
    });

    await scenario('b. Deny resolves cancel; closing the popup resolves cancel', async () => {
      let popup = await openPopup(demo, '#type0');
      await popup.waitForURL(onOpending('/openauth'));
      await popup.locator('#deny').waitFor();
      await clickClosing(popup, '#deny');
      assert.deepEqual(await demoResult(demo), { status: 'cancel', result: null });

      popup = await openPopup(demo, '#type0');
      await popup.locator('#allow').waitFor();
      await popup.close();
      assert.deepEqual(await demoResult(demo), { status: 'cancel', result: null });
    });

    await scenario('e. postMessages from a foreign origin (or the page itself) never settle openAuth', async () => {
      const popup = await openPopup(demo, '#type0');
      await popup.locator('#allow').waitFor();
      await demo.evaluate((src) => {
        const f = document.createElement('iframe');
        f.src = src;
        document.body.appendChild(f);
        // Same shape, posted by the demo page itself: not from opending's origin either.
        window.postMessage({ opendingOpenAuth: true, result: { status: 'ok', result: { authCode: 'self-posted' } } }, '*');
      }, FOREIGN + '/forge');
      await demo.waitForFunction((o) => window.seenMessages.filter((m) => m.origin === o).length >= 2, FOREIGN);
      await demo.waitForTimeout(1200); // longer than openauth.js' popup poll
      assert.equal(await demo.getAttribute('#result', 'data-done'), null, 'forged messages settled openAuth');
      await clickClosing(popup, '#allow');
      const r = await demoResult(demo);
      assert.equal(r.status, 'ok');
      assert.notEqual(r.result.authCode, FORGED_CODE);
      assert.notEqual(r.result.authCode, 'self-posted');
      await exchange(W.hr, r.result.authCode); // the genuine code works
      await demo.evaluate(() => document.querySelectorAll('iframe').forEach((f) => f.remove()));
    });

    await scenario('c. type 1 by a member goes toAdmin; the admin approves on the requests page; the app token gains the point', async () => {
      const crmToken = await appToken(W.crm, W.globex);
      let info = await api('GET', '/v1.0/contact/organizations/authInfos', { token: crmToken });
      assert.equal(info.status, 403, JSON.stringify(info.body));

      const popup = await openPopup(demo, '#type1');
      await popup.waitForURL(onOpending('/openauth'));
      await popup.locator('#consent').waitFor();
      assert.ok((await popup.innerText('#consent')).includes('Globex'));
      assert.equal((await popup.textContent('#allow')).trim(), '提交管理员审批');
      assert.ok(await popup.locator('.notice').isVisible(), 'the not-an-admin notice is shown');
      await shot(popup, 'consent-type1-toadmin-zh');
      // The language switch in the header keeps the request (and the origin) intact.
      await Promise.all([popup.waitForNavigation(), popup.click('header a[hreflang="en"]')]);
      assert.equal(await popup.getAttribute('html', 'lang'), 'en');
      assert.equal((await popup.textContent('#allow')).trim(), 'Ask an admin');
      await shot(popup, 'consent-type1-toadmin-en');
      await clickClosing(popup, '#allow');
      assert.deepEqual(await demoResult(demo), { status: 'toAdmin', result: null });

      // Carol, Globex's admin, in a fresh browser.
      const carol = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 700 } });
      carol.setDefaultTimeout(15000);
      watch(carol, 'carol');
      const page = await carol.newPage();
      await page.goto(`${BASE}/org/${W.globex}/requests`);
      await page.waitForURL(onOpending('/login'));
      assert.equal(await page.textContent('h1'), 'Sign in');
      await shot(page, 'signin-en');
      await signIn(page, W.carol);
      await page.waitForURL(onOpending(`/org/${W.globex}/requests`));
      const row = page.locator('tbody tr');
      assert.equal(await row.count(), 1);
      const rowText = await row.innerText();
      for (const want of ['CRM', W.crm.clientId, 'Alice Chen', 'Contact.Org.Read']) {
        assert.ok(rowText.includes(want), `request row shows ${want}: ${rowText}`);
      }
      await shot(page, 'org-requests-en');
      await page.goto(`${BASE}/org/${W.globex}/requests?lang=zh`);
      await shot(page, 'org-requests-zh');
      await Promise.all([page.waitForNavigation(), page.click('tbody tr button.approve')]);
      await page.waitForURL(onOpending(`/org/${W.globex}/requests`));
      assert.equal(await page.locator('tbody tr').count(), 0);
      assert.ok(await page.locator('p.empty').isVisible());

      info = await api('GET', '/v1.0/contact/organizations/authInfos', { token: crmToken });
      assert.equal(info.status, 200, `the app token gained Contact.Org.Read: ${JSON.stringify(info.body)}`);
      await carol.close();
    });

    await scenario('g. the language picked in a popup sticks: the next openAuth popup is in English', async () => {
      const popup = await openPopup(demo, '#type0');
      await popup.waitForURL(onOpending('/openauth'));
      await popup.locator('#allow').waitFor();
      assert.equal(await popup.getAttribute('html', 'lang'), 'en');
      assert.equal((await popup.textContent('#allow')).trim(), 'Allow');
      await shot(popup, 'consent-type0-en');
      await popup.close();
      assert.deepEqual(await demoResult(demo), { status: 'cancel', result: null });
    });

    await scenario('h. an error that needs the user shows in the popup; Close resolves failed with the DingTalk error code', async () => {
      const popup = await openPopup(demo, '#notmember');
      await popup.waitForURL(onOpending('/openauth'));
      const err = popup.locator('#openauth-error');
      await err.waitFor();
      assert.ok((await err.innerText()).includes('500408'));
      await shot(popup, 'consent-error-en');
      await clickClosing(popup, '#close');
      const r = await demoResult(demo);
      assert.equal(r.status, 'failed');
      assert.equal(r.result, null);
      assert.equal(r.errorCode, 500408);
      assert.ok(typeof r.errorMessage === 'string' && r.errorMessage.length > 0, JSON.stringify(r));
    });

    await scenario('i. every user-independent error of seed 002 resolves failed at once, with no popup', async () => {
      const hr = W.hr.clientId;
      const cases = [
        [400001, { clientId: '  ' }],
        [400006, { clientId: ' ', corpId: W.acme, rpcScope: 'Contact.User.Read' }],
        [400007, { type: 0, clientId: hr, rpcScope: 'Contact.User.Read' }],
        [400002, { type: 0, clientId: hr, corpId: W.acme }],
        [400009, { type: 0, clientId: hr, corpId: 'dingnosuchorg', rpcScope: 'Contact.User.Read' }],
        [500101, { type: 0, clientId: 'dingnosuchapp000000000', corpId: W.acme, rpcScope: 'Contact.User.Read' }],
        [500102, { type: 0, clientId: W.ops.clientId, corpId: W.globex, rpcScope: 'Contact.User.Read' }],
        [500104, { type: 0, clientId: hr, corpId: W.acme, rpcScope: 'Todo.Todo.Read' }],
        [500201, { type: 0, clientId: hr, corpId: W.acme, rpcScope: 'No.Such.Point' }],
        [500201, { type: 0, clientId: hr, corpId: W.acme, fieldScope: 'No.Such.Field' }],
        [500202, { type: 0, clientId: hr, corpId: W.acme, rpcScope: 'Contact.User.mobile' }],
        [500203, { type: 0, clientId: hr, corpId: W.acme, rpcScope: 'Contact.User.Read', fieldScope: 'Contact.User.Read' }],
        [500204, { type: 1, clientId: W.travel.clientId, corpId: W.globex, rpcScope: 'Contact.User.Read' }],
        [500205, { type: 0, clientId: hr, corpId: W.acme, rpcScope: 'Contact.Org.Read' }],
      ];
      let popups = 0;
      const count = () => { popups++; };
      alice.on('page', count);
      try {
        for (const [code, opts] of cases) {
          const r = await demo.evaluate((o) => openAuth(o), opts);
          assert.equal(r.status, 'failed', `${code}: ${JSON.stringify(r)}`);
          assert.equal(r.result, null);
          assert.equal(r.errorCode, code, `${JSON.stringify(opts)} → ${JSON.stringify(r)}`);
          assert.ok(typeof r.errorMessage === 'string' && r.errorMessage.length > 0, JSON.stringify(r));
        }
        // The demo button of a point that does not exist, as a user would click it.
        await demo.click('#bad');
        const r = await demoResult(demo);
        assert.deepEqual([r.status, r.errorCode], ['failed', 500201]);
      } finally {
        alice.off('page', count);
      }
      assert.equal(popups, 0, 'no popup opened');
    });

    await scenario('j. a page on an unregistered origin gets 52026 at once; an unknown clientId gets 500101 there too', async () => {
      const page = await alice.newPage();
      let popups = 0;
      const count = () => { popups++; };
      alice.on('page', count);
      try {
        await page.goto(FOREIGN + '/app');
        const r = await page.evaluate((o) => openAuth(o), { type: 0, clientId: W.hr.clientId, corpId: W.acme, rpcScope: 'Contact.User.Read' });
        assert.deepEqual([r.status, r.result, r.errorCode], ['failed', null, 52026], JSON.stringify(r));
        const u = await page.evaluate((o) => openAuth(o), { type: 0, clientId: 'dingnosuchapp000000000', corpId: W.acme, rpcScope: 'Contact.User.Read' });
        assert.deepEqual([u.status, u.errorCode], ['failed', 500101], JSON.stringify(u));
      } finally {
        alice.off('page', count);
        await page.close();
      }
      assert.equal(popups, 0, 'no popup opened');
    });

    await scenario('k. a third-party app not opened in the org (70003) shows in the popup; Close resolves failed', async () => {
      const popup = await openPopup(demo, '#notopened');
      await popup.waitForURL(onOpending('/openauth'));
      const err = popup.locator('#openauth-error');
      await err.waitFor();
      assert.ok((await err.innerText()).includes('70003'));
      await clickClosing(popup, '#close');
      const r = await demoResult(demo);
      assert.deepEqual([r.status, r.result, r.errorCode], ['failed', null, 70003], JSON.stringify(r));
    });

    await scenario('d. browser login flow on a phone: sign in, switch language, pick an org, Allow, land on the callback', async () => {
      const phone = await browser.newContext({
        locale: 'zh-CN', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      });
      phone.setDefaultTimeout(15000);
      watch(phone, 'phone');
      const page = await phone.newPage();
      const q = new URLSearchParams({
        client_id: W.hr.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid corpid', state: 'abc', prompt: 'consent',
      });
      await page.goto(`${BASE}/oauth2/auth?${q.toString().replace(/\+/g, '%20')}`);
      await page.waitForURL(onOpending('/login'));
      await shot(page, 'signin-phone-zh');
      // Switch to English on the sign-in page: the choice must survive signing in.
      await Promise.all([page.waitForNavigation(), page.click('header a[hreflang="en"]')]);
      assert.equal(await page.textContent('h1'), 'Sign in');
      await signIn(page, W.alice);
      await page.waitForURL(onOpending('/oauth2/auth'));
      assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the language picked before signing in is kept');
      const options = await page.$$eval('#corp_id option', (os) => os.map((o) => [o.value, o.textContent]));
      assert.deepEqual(options.map((o) => o[0]).sort(), [W.acme, W.globex].sort());
      assert.ok(options.some((o) => o[1] === 'Acme Corp') && options.some((o) => o[1] === 'Globex'));
      const text = await page.innerText('main');
      assert.ok(text.includes('Acme HR') && text.includes('Contact.User.Read') && text.includes('openid'), text);
      await shot(page, 'authorize-phone-en');
      await Promise.all([page.waitForNavigation(), page.click('header a[hreflang="zh"]')]);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      await shot(page, 'authorize-phone-zh');
      await page.selectOption('#corp_id', W.globex);
      await Promise.all([page.waitForURL((u) => u.href.startsWith(CALLBACK)), page.tap('#allow')]);
      const landed = new URL(page.url());
      assert.equal(landed.origin + landed.pathname, CALLBACK);
      const code = landed.searchParams.get('code');
      assert.ok(code, page.url());
      assert.equal(landed.searchParams.get('authCode'), code);
      assert.equal(landed.searchParams.get('state'), 'abc');
      assert.equal(await page.textContent('#state'), 'abc');
      const t = await exchange(W.hr, code);
      assert.equal(t.corpId, W.globex, 'the org picked in the browser');
      const me = await api('GET', '/v1.0/contact/users/me', { token: t.accessToken });
      assert.equal(me.body.unionId, W.alice.unionId);
      await phone.close();
    });

    await scenario('f. my authorizations lists what Alice allowed', async () => {
      const page = await alice.newPage();
      await page.goto(`${BASE}/account?lang=zh`);
      const text = await page.innerText('main');
      for (const want of ['Acme HR', W.hr.clientId, 'Contact.User.Read', 'Contact.User.mobile', 'Acme Corp', 'Globex']) {
        assert.ok(text.includes(want), `account page shows ${want}:\n${text}`);
      }
      assert.ok(await page.locator(`a[href="/org/${W.acme}/requests"]`).isVisible(), 'Alice administers Acme');
      await shot(page, 'account-zh');
      await page.setViewportSize({ width: 1100, height: 700 });
      await page.goto(`${BASE}/account?lang=en`);
      assert.ok((await page.innerText('h1')).includes('My authorizations'));
      await shot(page, 'account-en');
      await page.close();
    });

    await scenario('no console errors, script errors or failed requests on opending\'s pages', async () => {
      assert.deepEqual(problems, []);
    });
  } catch (_) {
    // Reported above; keep a picture of every open page for the failure.
    for (const ctx of browser.contexts()) {
      for (const [i, p] of ctx.pages().entries()) {
        const file = path.join(require('node:os').tmpdir(), `opending-browser-failure-${i}.png`);
        await p.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.log(`# page ${p.url()} -> ${file}`);
      }
    }
  } finally {
    await browser.close();
    demoServer.close();
    foreignServer.close();
  }
  console.log(`# screenshots in ${SHOTS}: ${shots.join(', ')}`);
  if (problems.length) console.log(`# problems:\n${problems.map((p) => '#   ' + p).join('\n')}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const guard = setTimeout(() => {
  console.log('not ok - the browser test took longer than 240 s');
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
