/* The consent page inside the openAuth popup: posts the decision to the JSON API, then hands
 * the result to the opener — only at the origin the server validated for this app. */
(function () {
  'use strict';
  var card = document.getElementById('consent');
  if (!card) return;
  var origin = card.getAttribute('data-origin');
  var csrf = card.getAttribute('data-csrf');
  var params = JSON.parse(card.getAttribute('data-params') || '{}');

  function deliver(result) {
    if (origin && window.opener) window.opener.postMessage({ opendingOpenAuth: true, result: result }, origin);
    window.close();
  }

  var err = document.getElementById('openauth-error');
  if (err) {
    var failed = { status: 'failed', result: null, errorCode: Number(err.getAttribute('data-error-code')), errorMessage: err.getAttribute('data-error-message') };
    var close = document.getElementById('close');
    if (close) close.addEventListener('click', function () { deliver(failed); });
    return;
  }

  function decide(decision) {
    var buttons = card.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    var body = Object.assign({}, params, { decision: decision, origin: origin });
    fetch('/openauth/api/decision', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); })
      .then(deliver, function () { deliver({ status: 'failed', result: null }); });
  }

  document.getElementById('allow').addEventListener('click', function () { decide('allow'); });
  document.getElementById('deny').addEventListener('click', function () { decide('deny'); });
})();
