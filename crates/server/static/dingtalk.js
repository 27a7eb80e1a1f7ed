/*! opending dd — the parts of DingTalk's `dd` JSAPI an H5 app signs its user in with (免登),
 * for pages opened in a browser instead of the DingTalk client.
 *
 *   dd.config({agentId, corpId, timeStamp, nonceStr, signature, jsApiList})
 *   dd.ready(fn)        runs fn once the config is verified (at once when there is none)
 *   dd.error(fn)        runs fn({errorCode, errorMessage}) when the config is refused (52010–52019)
 *   dd.requestAuthCode({corpId, clientId, onSuccess, onFail}) → Promise<{code}>
 *   dd.runtime.permission.requestAuthCode({corpId, onSuccess, onFail}) → Promise<{code}>
 *
 * A code is for the opending user signed in to this browser (a sign-in window opens when there
 * is none) and the app whose registered origins include this page's origin; the page's backend
 * exchanges it with an app token at topapi/v2/user/getuserinfo. Refusals that do not depend on
 * the user (no such app in the org, an unregistered origin) are known before any window opens.
 * Results come only from opending's own origin and the window this script opened.
 */
(function (global) {
  'use strict';
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : global.location.origin;
  var readyFns = [], errorFns = [], state = 'idle', failure = null;

  function settleReady() {
    state = 'ready';
    readyFns.splice(0).forEach(function (fn) { try { fn(); } catch (e) { setTimeout(function () { throw e; }); } });
  }
  function settleError(err) {
    state = 'error';
    failure = err;
    errorFns.splice(0).forEach(function (fn) { try { fn(err); } catch (e) { setTimeout(function () { throw e; }); } });
  }

  function config(opt) {
    state = 'checking';
    var body = Object.assign({}, opt || {}, { url: global.location.href });
    // text/plain keeps it a simple CORS request (no preflight); the server reads JSON.
    fetch(base + '/dd/api/config', { method: 'POST', mode: 'cors', credentials: 'omit', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .then(function (d) { if (d && d.ok === true) settleReady(); else settleError({ errorCode: d.errorCode, errorMessage: d.errorMessage }); })
      .catch(function () { settleError({ errorCode: 52012, errorMessage: 'jsapi 签名生成失败' }); });
  }

  function ready(fn) {
    if (typeof fn !== 'function') return;
    if (state === 'ready' || state === 'idle') setTimeout(fn, 0);
    else if (state === 'checking') readyFns.push(fn);
  }

  function error(fn) {
    if (typeof fn !== 'function') return;
    if (state === 'error') setTimeout(function () { fn(failure); }, 0);
    else errorFns.push(fn);
  }

  function requestCode(opt, legacy) {
    opt = opt || {};
    return new Promise(function (resolve, reject) {
      function ok(v) { if (typeof opt.onSuccess === 'function') opt.onSuccess(v); resolve(v); }
      function fail(e) { if (typeof opt.onFail === 'function') opt.onFail(e); reject(e); }
      var q = new URLSearchParams();
      q.set('corpId', opt.corpId || '');
      if (!legacy && opt.clientId) q.set('clientId', opt.clientId);
      q.set('origin', global.location.origin);
      fetch(base + '/dd/api/precheck?' + q.toString(), { mode: 'cors', credentials: 'omit' })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (!d || d.ok !== true) { fail({ errorCode: d.errorCode, errorMessage: d.errorMessage }); return; }
          var settled = false;
          var popup = global.open(base + '/dd/authcode?' + q.toString(), 'opending-dd', 'popup,width=480,height=640');
          if (!popup) { fail({ errorCode: 3, errorMessage: 'the sign-in window was blocked' }); return; }
          function finish(fn, v) {
            if (settled) return;
            settled = true;
            global.removeEventListener('message', onMessage);
            clearInterval(timer);
            fn(v);
          }
          function onMessage(ev) {
            if (ev.origin !== base || ev.source !== popup) return;
            var m = ev.data;
            if (!m || m.opendingDd !== true) return;
            if (m.result && typeof m.result.code === 'string') finish(ok, { code: m.result.code });
            else if (m.error) finish(fail, { errorCode: m.error.errorCode, errorMessage: m.error.errorMessage });
          }
          global.addEventListener('message', onMessage);
          var timer = setInterval(function () {
            if (popup.closed) setTimeout(function () { finish(fail, { errorCode: 3, errorMessage: 'the sign-in window was closed' }); }, 300);
          }, 400);
        })
        .catch(function () { fail({ errorCode: 3, errorMessage: '系统异常' }); });
    });
  }

  var dd = global.dd || {};
  dd.config = config;
  dd.ready = ready;
  dd.error = error;
  dd.requestAuthCode = function (opt) { return requestCode(opt, false); };
  dd.runtime = dd.runtime || {};
  dd.runtime.permission = dd.runtime.permission || {};
  dd.runtime.permission.requestAuthCode = function (opt) { return requestCode(opt, true); };
  dd.env = { platform: 'notInDingTalk', opending: true };
  global.dd = dd;
})(window);
