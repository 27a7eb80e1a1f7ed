/*! opending — the demo world's openAuth test page (/demo/openauth): one button that calls
 * openAuth({type: 0, ...}) as a DingTalk H5 app does, and the calls that turn the code into a
 * user token. */
(function () {
  'use strict';
  var button = document.getElementById('demo-authorize');
  var result = document.getElementById('demo-result');
  var next = document.getElementById('demo-next');
  var curl = document.getElementById('demo-curl');
  if (!button || typeof window.openAuth !== 'function') return;
  button.addEventListener('click', function () {
    var clientId = button.getAttribute('data-client-id');
    button.disabled = true;
    result.textContent = '…';
    result.removeAttribute('data-done');
    window.openAuth({
      type: 0,
      clientId: clientId,
      corpId: button.getAttribute('data-corp-id'),
      rpcScope: 'Contact.User.Read'
    }).then(function (r) {
      button.disabled = false;
      result.textContent = JSON.stringify(r, null, 2);
      result.setAttribute('data-done', '1');
      var code = r && r.status === 'ok' && r.result && r.result.authCode;
      if (!code) { next.hidden = true; return; }
      var base = window.location.origin;
      curl.textContent =
        'curl -s -X POST ' + base + '/v1.0/oauth2/userAccessToken \\\n' +
        "  -H 'Content-Type: application/json' \\\n" +
        "  -d '" + JSON.stringify({ clientId: clientId, clientSecret: '<clientSecret>', code: code, grantType: 'authorization_code' }) + "'\n\n" +
        'curl -s ' + base + '/v1.0/contact/users/me \\\n' +
        "  -H 'x-acs-dingtalk-access-token: <accessToken>'";
      next.hidden = false;
    });
  });
})();
