// Shared by the browser scripts: clicking a button whose handler closes its own window.
'use strict';

/**
 * Clicks `selector` on `page`, whose click handler closes the page (a popup's Allow, Deny or
 * Close calling `window.close()`), and waits for the page to close.
 *
 * The page can close before Playwright finishes the click action, which then fails with
 * "Target page, context or browser has been closed"; that is the outcome the click was for, so
 * the error counts only when the page is still open.
 */
async function clickClosing(page, selector) {
  const closed = page.waitForEvent('close');
  try {
    await page.click(selector);
  } catch (e) {
    if (!page.isClosed()) throw e;
  }
  await closed;
}

module.exports = { clickClosing };
