// The field app as a village health volunteer uses it, in Debian's Chromium: the operator opens
// /field with signal (the list is kept on the phone, the service worker installed), loses the
// signal, starts the app again offline, records two visits (one with a photo), gets the signal
// back, and the app sends them by itself: both visits land once, the photo too, and sending the
// same visits again changes nothing. Signing out deletes what the phone kept.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, signIn, startServer } from './server.mjs';

const OPERATOR = { email: 'osm@example.org', password: 'village health 2569' };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-care-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  // Two bedridden persons in the operator's village (they need visiting), and one who does not.
  writeFileSync(join(dir, 'persons.csv'), '\ufeff' + [
    'คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง',
    'นาง,สมศรี,ใจดี,2480,12,55010101,ติดเตียง',
    'นาย,บุญมี,มีสุข,2485,14,55010101,ติดเตียง',
    'นาย,แข็งแรง,ดีมาก,2530,16,55010101,',
  ].join('\n') + '\n');
  server.cli(['import', 'persons', join(dir, 'persons.csv')]);
  server.cli(['users', 'create', '--email', OPERATOR.email, '--name', 'นางบัวผัน อสม.',
    '--role', 'operator', '--area', '55010101', '--password-stdin'], `${OPERATOR.password}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const outboxCount = async (page) => Number((await page.textContent('[data-testid=outbox-count]')).trim());

test('visits recorded offline are sent once when the phone is back online', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const base = server.base;
  await signIn(page, base, OPERATOR);
  await page.waitForURL(`${base}/persons`);

  // With signal: the list is fetched and kept, the service worker installed.
  await page.goto(`${base}/field`);
  assert.equal(await page.getAttribute('html', 'lang'), 'th');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 2);
  const names = await page.locator('[data-testid=person] strong').allTextContents();
  assert.deepEqual(names.sort(), ['นางสมศรี ใจดี', 'นายบุญมี มีสุข']);
  assert.match(await page.textContent('[data-testid=persons]'), /ติดเตียง/);
  assert.match(await page.textContent('[data-testid=persons]'), /ยังไม่เคยเยี่ยม/);
  // Installable: the manifest and its icon.
  const manifest = await page.request.get(`${base}/manifest.webmanifest`);
  assert.match(manifest.headers()['content-type'], /application\/manifest\+json/);
  assert.equal((await manifest.json()).start_url, '/field');
  const sw = await page.request.get(`${base}/sw.js`);
  assert.equal(sw.headers()['cache-control'], 'no-cache');

  // No signal: the app starts from the service worker, the list from the phone.
  await context.setOffline(true);
  const offline = await page.reload();
  assert.ok(offline.fromServiceWorker(), 'the shell comes from the service worker');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 2);
  assert.equal(await outboxCount(page), 0);

  // The first visit: blood pressure, a need and a photo, ADL not assessed.
  const photo = await page.screenshot({ type: 'jpeg', quality: 60 });
  await page.click('[data-testid=person]:has-text("สมศรี") button');
  await page.waitForSelector('#visit:not([hidden])');
  assert.equal((await page.textContent('[data-testid=visit-person]')).trim(), 'นางสมศรี ใจดี');
  assert.ok((await page.inputValue('#visited_at')).length >= 16, 'the time defaults to now');
  await page.fill('#systolic', '150');
  await page.fill('#diastolic', '92');
  // Forgetting the ADL shows the slip next to the item, and nothing is saved.
  await page.click('[data-testid=save-visit]');
  await page.waitForSelector('#feeding-error:not([hidden])');
  assert.equal(await outboxCount(page), 0);
  await page.check('#adl_skip');
  await page.check('input[name=needs][value=food]');
  await page.fill('#notes', 'ผู้ป่วยนอนติดเตียง ผิวหนังไม่มีแผลกดทับ');
  await page.setInputFiles('#photo', { name: 'visit.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.click('[data-testid=save-visit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '1');
  assert.ok(await page.isHidden('#visit'), 'the form closes after saving');

  // The second visit: a pulse and a full ADL assessment.
  await page.click('[data-testid=person]:has-text("บุญมี") button');
  await page.waitForSelector('#visit:not([hidden])');
  await page.fill('#pulse', '88');
  for (const item of ['feeding', 'grooming', 'transfer', 'toilet', 'mobility', 'dressing', 'stairs', 'bathing', 'bowels', 'bladder']) {
    await page.check(`input[name=${item}][value="0"]`);
  }
  assert.match(await page.textContent('#adl-total'), /0\/20/);
  await page.click('[data-testid=save-visit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '2');
  assert.equal(await page.locator('[data-testid=outbox-entry]').count(), 2);

  // What the phone will send, kept to send again later.
  const sent = await page.evaluate(() => new Promise((ok, fail) => {
    const req = indexedDB.open('ruamjai-field');
    req.onerror = () => fail(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => { ok(all.result.map((e) => e.visit)); req.result.close(); };
      all.onerror = () => fail(all.error);
    };
  }));
  assert.equal(sent.length, 2);
  for (const v of sent) assert.equal(v.op_id, v.client_id);

  // Signal again: the app sends by itself.
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=outbox-count]').textContent === '0', null, { timeout: 20_000 });
  assert.match(await page.textContent('[data-testid=sync-status]'), /ส่งครบแล้ว/);

  // On the server: each visit once, one photo, served as JPEG.
  const people = (await (await page.request.get(`${base}/api/v1/care/my-visits`)).json()).items;
  assert.equal(people.length, 2);
  const visitsOf = async () => {
    const out = [];
    for (const p of people) {
      const r = await page.request.get(`${base}/api/v1/persons/${p.person_id}/visits`);
      assert.equal(r.status(), 200);
      out.push(...(await r.json()).items);
    }
    return out;
  };
  let visits = await visitsOf();
  assert.equal(visits.length, 2);
  assert.deepEqual(visits.map((v) => v.client_id).sort(), sent.map((v) => v.client_id).sort());
  const photos = visits.flatMap((v) => v.photos);
  assert.equal(photos.length, 1);
  const image = await page.request.get(`${base}/photos/${photos[0]}`);
  assert.equal(image.status(), 200);
  assert.match(image.headers()['content-type'], /^image\/jpeg/);
  const withAdl = visits.find((v) => v.adl_scores);
  assert.equal(withAdl.adl_total, 0);
  assert.equal(withAdl.adl_group, 'bedridden');
  const withBp = visits.find((v) => v.systolic === 150);
  assert.deepEqual(withBp.needs, ['food']);

  // The same visits sent again (a lost answer, a second phone): nothing is added.
  const csrf = await page.getAttribute('#field-app', 'data-csrf');
  const again = await page.request.post(`${base}/api/v1/sync/visits`, {
    headers: { 'X-CSRF-Token': csrf }, data: { visits: sent },
  });
  assert.equal(again.status(), 200);
  assert.deepEqual((await again.json()).results.map((r) => r.status), ['duplicate', 'duplicate']);
  visits = await visitsOf();
  assert.equal(visits.length, 2);
  // The list now knows the last visits.
  await page.waitForFunction(() => !document.querySelector('[data-testid=persons]').textContent.includes('ยังไม่เคยเยี่ยม'));

  // Signing out leaves nothing on the phone.
  await page.click('form[action="/logout"] button');
  await page.waitForURL(/\/login/);
  const left = await page.evaluate(async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
  }));
  assert.ok(!left.databases.includes('ruamjai-field'), `databases left: ${left.databases}`);
  assert.deepEqual(left.caches.filter((c) => c.startsWith('ruamjai-field')), []);
  await context.close();
});
