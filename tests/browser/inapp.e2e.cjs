// In-app login (免登) in a real browser: Debian's headless Chromium driven by playwright-core.
// Started by crates/server/tests/api/inapp_browser.rs, which runs the server, registers this
// script's H5 app origin for Acme HR, and passes:
//
//   OPENDING_BASE         the server, e.g. http://127.0.0.1:41234
//   OPENDING_DEMO_PORT    the port this script serves the H5 app on (127.0.0.1)
//   OPENDING_WORLD        JSON: the app (with its agentId), the orgs and the user
//   OPENDING_SCREENSHOTS  where to write the PNG screenshots (docs/screenshots)
//   OPENDING_CHROMIUM     the browser (default /usr/bin/chromium)
//
// The H5 app is what a DingTalk micro app is: a page that loads {OPENDING_BASE}/sdk/dingtalk.js,
// signs dd.config with the JSAPI ticket its backend fetched, calls dd.requestAuthCode, and sends
// the code to its backend, which exchanges it at topapi/v2/user/getuserinfo with an app token and
// answers who signed in; the page shows the name.
//
// Prints one line per scenario and "N passed, N failed"; exits non-zero on any failure.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { clickClosing } = require('./popup.cjs');

const BASE = need('OPENDING_BASE');
const DEMO_PORT = Number(need('OPENDING_DEMO_PORT'));
const W = JSON.parse(need('OPENDING_WORLD'));
const SHOTS = need('OPENDING_SCREENSHOTS');
const CHROMIUM = process.env.OPENDING_CHROMIUM || '/usr/bin/chromium';
const DEMO = `http://127.0.0.1:${DEMO_PORT}`;

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (this script is run by crates/server/tests/api/inapp_browser.rs)`);
    process.exit(2);
  }
  return v;
}

// ---------------------------------------------------------------- the H5 app's backend

async function oapi(method, p, body) {
  const r = await fetch(BASE + p, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const j = await r.json();
  assert.equal(j.errcode, 0, `${p}: ${JSON.stringify(j)}`);
  return j;
}

async function appToken() {
  const q = new URLSearchParams({ appkey: W.hr.clientId, appsecret: W.hr.clientSecret });
  return (await oapi('GET', `/gettoken?${q}`)).access_token;
}

// dd.config's parameters for the page at `url`, signed as DingTalk's sample does.
async function signature(url, tamper) {
  const token = await appToken();
  const ticket = (await oapi('GET', `/get_jsapi_ticket?access_token=${token}`)).ticket;
  const nonceStr = crypto.randomBytes(8).toString('hex');
  const timeStamp = String(Date.now());
  const [base, query] = url.split('#')[0].split('?');
  const normalized = query === undefined ? base : `${base}?${decodeURIComponent(query.replace(/\+/g, ' '))}`;
  let sig = crypto.createHash('sha256')
    .update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timeStamp}&url=${normalized}`)
    .digest('hex');
  if (tamper) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  return { agentId: String(W.hr.agentId), corpId: W.acme, timeStamp, nonceStr, signature: sig, type: 0, jsApiList: ['runtime.info', 'biz.contact.choose'] };
}

// The code from the page, exchanged for who signed in.
async function whoIs(code) {
  const token = await appToken();
  const j = await oapi('POST', `/topapi/v2/user/getuserinfo?access_token=${token}`, { code });
  return j.result;
}

// ---------------------------------------------------------------- the H5 page

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function h5Page() {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme HR (H5)</title>
<style>body{font-family:sans-serif;margin:24px;max-width:420px}button{display:block;margin:8px 0;padding:10px 14px;font-size:1rem}
#who{font-size:1.4rem;margin:16px 0}#config{color:#555}</style></head>
<body>
<h1>Acme HR</h1>
<p id="config">dd.config…</p>
<button type="button" id="login">钉钉免登 (dd.requestAuthCode)</button>
<button type="button" id="legacy">dd.runtime.permission.requestAuthCode</button>
<button type="button" id="wrongcorp">requestAuthCode in Globex</button>
<p id="who" aria-live="polite"></p>
<pre id="error"></pre>
<script src="${esc(BASE)}/sdk/dingtalk.js"></script>
<script src="/h5.js"></script>
</body></html>`;
}

const H5_JS = `'use strict';
var corpId = ${JSON.stringify(W.acme)}, clientId = ${JSON.stringify(W.hr.clientId)};
var tamper = location.search.indexOf('tamper=1') >= 0;
fetch('/signature?tamper=' + (tamper ? 1 : 0) + '&url=' + encodeURIComponent(location.href))
  .then(function (r) { return r.json(); })
  .then(function (p) { dd.config(p); });
dd.ready(function () { document.getElementById('config').textContent = 'dd.config: ready'; document.getElementById('config').setAttribute('data-state', 'ready'); });
dd.error(function (e) { var c = document.getElementById('config'); c.textContent = 'dd.config: ' + JSON.stringify(e); c.setAttribute('data-state', 'error'); c.setAttribute('data-error', JSON.stringify(e)); });
function signedIn(r) {
  return fetch('/login?code=' + encodeURIComponent(r.code)).then(function (x) { return x.json(); }).then(function (u) {
    var who = document.getElementById('who');
    who.textContent = '你好，' + u.name + ' (' + u.userid + ')';
    who.setAttribute('data-userid', u.userid);
  });
}
function failed(e) { var el = document.getElementById('error'); el.textContent = JSON.stringify(e); el.setAttribute('data-done', '1'); }
document.getElementById('login').addEventListener('click', function () {
  dd.requestAuthCode({ corpId: corpId, clientId: clientId }).then(signedIn, failed);
});
document.getElementById('legacy').addEventListener('click', function () {
  dd.runtime.permission.requestAuthCode({ corpId: corpId, onSuccess: signedIn, onFail: failed });
});
document.getElementById('wrongcorp').addEventListener('click', function () {
  dd.requestAuthCode({ corpId: ${JSON.stringify(W.globex)}, clientId: clientId, onFail: failed }).catch(function () {});
});
`;

function serve(port) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(async (req, res) => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const send = (status, type, body) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      try {
        if (url.pathname === '/' || url.pathname === '/app/index.html') return send(200, 'text/html; charset=utf-8', h5Page());
        if (url.pathname === '/h5.js') return send(200, 'text/javascript; charset=utf-8', H5_JS);
        if (url.pathname === '/signature') {
          return send(200, 'application/json', JSON.stringify(await signature(url.searchParams.get('url'), url.searchParams.get('tamper') === '1')));
        }
        if (url.pathname === '/login') return send(200, 'application/json', JSON.stringify(await whoIs(url.searchParams.get('code'))));
        if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
        return send(404, 'text/plain', 'not found');
      } catch (e) {
        return send(500, 'text/plain', String(e && e.stack || e));
      }
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------- browser helpers

const problems = [];
const shots = [];

function watch(context, label) {
  context.on('page', (page) => {
    page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message} (${page.url()})`));
    page.on('response', (r) => {
      if (r.url().startsWith(BASE) && r.status() >= 400) problems.push(`${label} HTTP ${r.status()} for ${r.url()}`);
    });
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  shots.push(`${name}.png`);
}

const onOpending = (p) => (u) => u.origin === new URL(BASE).origin && u.pathname === p;

// ---------------------------------------------------------------- scenarios

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const server = await serve(DEMO_PORT);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  console.log(`# ${browser.version()} via playwright-core; server ${BASE}; H5 app ${DEMO}`);
  const ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 480, height: 720 } });
  ctx.setDefaultTimeout(15000);
  watch(ctx, 'alice');
  const h5 = await ctx.newPage();

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
    await scenario('a. dd.config signed by the backend with the JSAPI ticket: dd.ready runs', async () => {
      await h5.goto(DEMO + '/app/index.html?from=%E5%B7%A5%E4%BD%9C%E5%8F%B0#/home');
      await h5.waitForSelector('#config[data-state="ready"]');
    });

    await scenario('b. dd.requestAuthCode: sign in in the window, the code to the page, its backend reads who', async () => {
      const [popup] = await Promise.all([h5.waitForEvent('popup'), h5.click('#login')]);
      await popup.waitForURL(onOpending('/login'));
      await popup.fill('#login', W.alice.login);
      await popup.fill('#password', W.alice.password);
      await clickClosing(popup, '#sign-in');
      await h5.waitForSelector('#who[data-userid="alice"]');
      assert.equal(await h5.textContent('#who'), '你好，Alice Chen (alice)');
      await shot(h5, 'inapp-h5-signed-in');
    });

    await scenario('c. signed in already: the older runtime.permission.requestAuthCode finds the app by origin', async () => {
      await h5.evaluate(() => { const w = document.getElementById('who'); w.textContent = ''; w.removeAttribute('data-userid'); });
      const [popup] = await Promise.all([h5.waitForEvent('popup'), h5.click('#legacy')]);
      await popup.waitForEvent('close');
      await h5.waitForSelector('#who[data-userid="alice"]');
    });

    await scenario('d. an org with no app serving this page: errorCode 3 at once, no window', async () => {
      let opened = false;
      h5.once('popup', () => { opened = true; });
      await h5.click('#wrongcorp');
      await h5.waitForSelector('#error[data-done="1"]');
      const e = JSON.parse(await h5.textContent('#error'));
      assert.equal(e.errorCode, 3);
      assert.match(e.errorMessage, /对应企业没有127\.0\.0\.1:\d+域名微应用/);
      assert.equal(opened, false, 'no window opened');
    });

    await scenario('e. a signature that does not match: dd.error gets 52013', async () => {
      const page = await ctx.newPage();
      await page.goto(DEMO + '/app/index.html?tamper=1');
      await page.waitForSelector('#config[data-state="error"]');
      const e = JSON.parse(await page.getAttribute('#config', 'data-error'));
      assert.deepEqual(e, { errorCode: 52013, errorMessage: '签名校验失败' });
      await page.close();
    });

    assert.deepEqual(problems, [], 'no page errors or failed requests on opending');
  } finally {
    console.log(`${passed} passed, ${failed} failed`);
    console.log(`# screenshots: ${shots.join(' ')}`);
    await browser.close();
    server.close();
  }
  if (failed > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
