/* The 免登 window: hands the page that opened it the code (or the refusal) and closes. The
 * target origin was checked by the server: it is registered for the app. */
(function () {
  'use strict';
  var el = document.getElementById('dd-result');
  if (!el || !window.opener) return;
  var origin = el.getAttribute('data-origin');
  var message = JSON.parse(el.getAttribute('data-message'));
  message.opendingDd = true;
  window.opener.postMessage(message, origin);
  setTimeout(function () { window.close(); }, 50);
})();
