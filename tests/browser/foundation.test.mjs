// The foundation as a person uses it, in Debian's Chromium: sign in, switch language and back,
// search, and drill down from a province to a subdistrict.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ADMIN, launchBrowser, signIn, startServer } from './server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a wrong password is explained on the sign-in page', async () => {
  const page = await browser.newPage();
  await signIn(page, server.base, { email: ADMIN.email, password: 'not the password' });
  await page.waitForSelector('.form-error');
  assert.equal((await page.textContent('.form-error')).trim(), 'อีเมลหรือรหัสผ่านไม่ถูกต้อง');
  assert.equal(await page.inputValue('#email'), ADMIN.email);
  await page.close();
});

test('sign in, switch to English and back, drill from province to subdistrict', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base);
  // Signed-in users land on the registry; the area browser is one click away.
  await page.waitForURL(`${server.base}/persons`);
  await page.goto(`${server.base}/areas`);
  assert.equal(await page.getAttribute('html', 'lang'), 'th');
  assert.equal((await page.textContent('h1')).trim(), 'พื้นที่');

  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('html[lang=en]');
  assert.equal((await page.textContent('h1')).trim(), 'Areas');
  assert.ok(await page.isVisible('a[href="/areas/55"]:has-text("Nan Province")'));

  await page.click('[data-testid=lang-switch]');
  await page.waitForSelector('html[lang=th]');
  assert.equal((await page.textContent('h1')).trim(), 'พื้นที่');
  // html[lang=th] matches while the new page is still parsing; htmx (deferred) must have bound
  // #q before we type, or the input event is lost and the live search never fires.
  await page.waitForLoadState('load');

  // Live search (htmx) finds the province by its Thai name.
  await page.fill('#q', 'น่าน');
  const hit = page.locator('#results a[href="/areas/55"]');
  await hit.waitFor();
  await hit.click();
  await page.waitForURL(`${server.base}/areas/55`);
  assert.equal((await page.textContent('h1')).trim(), 'จังหวัดน่าน');
  assert.equal(await page.locator('ul.cards > li').count(), 15);

  await page.click('ul.cards a[href="/areas/5501"]');
  await page.waitForURL(`${server.base}/areas/5501`);
  assert.equal((await page.textContent('h1')).trim(), 'อำเภอเมืองน่าน');

  await page.click('ul.cards a[href="/areas/550101"]');
  await page.waitForURL(`${server.base}/areas/550101`);
  assert.equal((await page.textContent('h1')).trim(), 'ตำบลในเวียง');
  const crumbs = (await page.locator('nav.crumbs li').allTextContents()).map((t) => t.trim());
  assert.deepEqual(crumbs, ['พื้นที่', 'จังหวัดน่าน', 'อำเภอเมืองน่าน', 'ตำบลในเวียง']);
  assert.equal(await page.getAttribute('nav.crumbs li:last-child', 'aria-current'), 'page');

  // The breadcrumbs lead back up.
  await page.click('nav.crumbs a[href="/areas/5501"]');
  await page.waitForURL(`${server.base}/areas/5501`);
  await context.close();
});

test('the area browser fits a 360 px phone without sideways scrolling', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page, server.base);
  // Signed-in users land on the registry; the area browser is one click away.
  await page.waitForURL(`${server.base}/persons`);
  await page.goto(`${server.base}/areas`);
  for (const path of ['/areas', '/areas/550101', '/users/1', '/audit']) {
    await page.goto(`${server.base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} is ${width}px wide`);
  }
  await context.close();
});
