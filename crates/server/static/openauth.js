/*! opending openAuth — the signature and results of dingtalk-design-libs' openAuth, for browsers.
 *
 *   openAuth({clientId, corpId, rpcScope, fieldScope, type}) → Promise
 *     {status:'ok', result:{authCode}}      type 0, the user allowed
 *     {status:'ok', result:null}            type 1, an admin granted
 *     {status:'toAdmin', result:null}       type 1 by a non-admin: sent to the org's admins
 *     {status:'cancel', result:null}        denied, or the window was closed
 *     {status:'failed', result:null, errorCode, errorMessage}
 *
 * First it asks opending (/openauth/api/precheck) whether the request can succeed at all:
 * what does not depend on the user — the parameters, the app, the org, the points, and whether
 * this page's origin is registered for the app (52026) — is answered at once as
 * {status:'failed', result:null, errorCode, errorMessage}, with no popup. Otherwise it opens
 * opending's consent page in a popup and waits for the page's postMessage, accepting only
 * messages from opending's own origin and that popup. The page posts only to this page's
 * origin, and only if that origin is registered for the app. Never rejects.
 */
(function (global) {
  'use strict';
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : global.location.origin;

  function openAuth(opt) {
    if (!opt || typeof opt !== 'object') throw new Error('openAuth error: option is missing or not object');
    var type = opt.type || 0;
    if (!opt.clientId || (String(type) === '1' && !opt.corpId)) throw new Error('openAuth error: corpId or clientId is missing');
    var q = new URLSearchParams();
    q.set('type', String(type));
    q.set('clientId', opt.clientId);
    if (opt.corpId) q.set('corpId', opt.corpId);
    if (opt.rpcScope) q.set('rpcScope', opt.rpcScope);
    if (opt.fieldScope) q.set('fieldScope', opt.fieldScope);
    q.set('origin', global.location.origin);
    return precheck(q).then(function (c) {
      if (c && c.ok !== true && typeof c.errorCode === 'number') {
        return { status: 'failed', result: null, errorCode: c.errorCode, errorMessage: String(c.errorMessage || '') };
      }
      return inPopup(q);
    });
  }

  // The user-independent checks; null when they cannot be asked (the popup then shows what is
  // wrong). No cookies go with it: its answer is the same for everyone.
  function precheck(q) {
    if (typeof global.fetch !== 'function') return Promise.resolve(null);
    var ask = global.fetch(base + '/openauth/api/precheck?' + q.toString(), { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
    var slow = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, 3000); });
    return Promise.race([ask, slow]);
  }

  function inPopup(q) {
    return new Promise(function (resolve) {
      var settled = false;
      var popup = global.open(base + '/openauth?' + q.toString(), 'opending-openauth', 'popup,width=520,height=680');
      function finish(value) {
        if (settled) return;
        settled = true;
        global.removeEventListener('message', onMessage);
        clearInterval(timer);
        resolve(value);
      }
      function onMessage(ev) {
        if (ev.origin !== base || ev.source !== popup) return;
        var d = ev.data;
        if (d && d.opendingOpenAuth === true && d.result && typeof d.result.status === 'string') finish(d.result);
      }
      if (!popup) { resolve({ status: 'failed', result: null, errorMessage: 'the popup was blocked' }); return; }
      global.addEventListener('message', onMessage);
      var timer = setInterval(function () {
        if (popup.closed) setTimeout(function () { finish({ status: 'cancel', result: null }); }, 300);
      }, 400);
    });
  }

  global.openAuth = openAuth;
  global.opending = Object.assign(global.opending || {}, { openAuth: openAuth });
})(window);
