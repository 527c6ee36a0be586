// The field app as a village health volunteer uses it, in Debian's Chromium: the operator opens
// /field with signal (the list is kept on the phone, the service worker installed), loses the
// signal, starts the app again offline, records two visits (one with a photo), gets the signal
// back, and the app sends them by itself: both visits land once, the photo too, and sending the
// same visits again changes nothing. Signing out deletes what the phone kept.
// Then corrections made offline: one applied, one that meets a nurse's correction of the same
// visit and is kept for the coordinator, who applies it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addUser, launchBrowser, outboxCount, signIn, startServer } from './server.mjs';

const OPERATOR = { email: 'osm@example.org', password: 'village health 2569' };
const NURSE = { email: 'nurse@example.org', password: 'district nurse 2569' };
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
  addUser(server, OPERATOR, 'นางบัวผัน อสม.', 'operator', '55010101');
  // A nurse of the subdistrict: records visits too, and reviews conflicts.
  addUser(server, NURSE, 'พยาบาลวิภา', 'staff', '550101');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

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

// What the field app keeps in one IndexedDB store (run in the page).
const storeOf = (page, name) => page.evaluate((name) => new Promise((ok, fail) => {
  const req = indexedDB.open('ruamjai-field');
  req.onerror = () => fail(req.error);
  req.onsuccess = () => {
    const all = req.result.transaction(name).objectStore(name).getAll();
    all.onsuccess = () => { ok(all.result); req.result.close(); };
    all.onerror = () => fail(all.error);
  };
}), name);

test('visits corrected offline: applied, or kept for review when someone changed them meanwhile', { timeout: 90_000 }, async () => {
  const base = server.base;
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, OPERATOR);
  await page.waitForURL(`${base}/persons`);
  await page.goto(`${base}/field`);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=person]').length === 2);
  assert.ok(await page.isHidden('#sent-wrap'), 'nothing sent from this phone yet');

  // With signal: two visits recorded and sent at once; both are kept as "sent recently".
  const record = async (name, fill, count) => {
    await page.click(`[data-testid=person]:has-text("${name}") button`);
    await page.waitForSelector('#visit:not([hidden])');
    await fill();
    await page.check('#adl_skip');
    await page.click('[data-testid=save-visit]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=sent-entry]').length === n
      && document.querySelector('[data-testid=outbox-count]').textContent === '0', count, { timeout: 20_000 });
  };
  await record('สมศรี', async () => {
    await page.fill('#systolic', '130');
    await page.fill('#diastolic', '85');
    await page.fill('#notes', 'เยี่ยมตามนัด');
  }, 1);
  await record('บุญมี', async () => {
    await page.fill('#pulse', '90');
    await page.fill('#notes', 'ชีพจร 90');
  }, 2);
  const sent = await storeOf(page, 'sent');
  assert.equal(sent.length, 2);
  for (const s of sent) {
    assert.equal(s.version, 1);
    assert.ok(s.visit_id > 0);
    assert.equal(s.visit.client_id, s.client_id);
  }
  const somsri = sent.find((s) => s.person_name.includes('สมศรี'));
  const boonmee = sent.find((s) => s.person_name.includes('บุญมี'));
  const entry = (name) => `[data-testid=sent-entry]:has-text("${name}")`;
  assert.match(await page.textContent(entry('สมศรี')), /ฉบับที่ 1/);

  // A visit sent eight days ago is forgotten when the app starts (sent visits are kept a week).
  await page.evaluate((old) => new Promise((ok, fail) => {
    const req = indexedDB.open('ruamjai-field');
    req.onsuccess = () => {
      const tx = req.result.transaction('sent', 'readwrite');
      tx.objectStore('sent').put(old);
      tx.oncomplete = () => { req.result.close(); ok(); };
      tx.onerror = () => fail(tx.error);
    };
  }), { ...somsri, client_id: randomUUID(), sent_at: new Date(Date.now() - 8 * 86400000).toISOString() });
  assert.equal((await storeOf(page, 'sent')).length, 3);

  // No signal: the app starts from the phone, sent visits included, and corrects them.
  await context.setOffline(true);
  assert.ok((await page.reload()).fromServiceWorker());
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=sent-entry]').length === 2);
  assert.deepEqual((await storeOf(page, 'sent')).map((s) => s.client_id).sort(),
    [somsri.client_id, boonmee.client_id].sort());
  await page.click(`${entry('สมศรี')} button`);
  await page.waitForSelector('#visit:not([hidden])');
  // The form holds what was sent; photos are not part of a correction.
  assert.equal((await page.textContent('#visit-title')).trim(), 'แก้ไขการเยี่ยม: นางสมศรี ใจดี');
  assert.equal(await page.inputValue('#systolic'), '130');
  assert.equal(await page.inputValue('#diastolic'), '85');
  assert.equal(await page.inputValue('#notes'), 'เยี่ยมตามนัด');
  assert.ok(await page.isChecked('#adl_skip'));
  assert.ok(await page.isHidden('#photo'));
  await page.fill('#notes', 'แก้ไขโดย อสม.');
  await page.click('[data-testid=save-visit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '1');
  assert.match(await page.textContent('[data-testid=outbox-entry]'), /การแก้ไข/);
  // While the correction waits, the visit cannot be corrected again.
  assert.match(await page.textContent(entry('สมศรี')), /การแก้ไขรอส่ง/);
  assert.equal(await page.locator(`${entry('สมศรี')} button`).count(), 0);

  await page.click(`${entry('บุญมี')} button`);
  await page.waitForSelector('#visit:not([hidden])');
  assert.equal(await page.inputValue('#pulse'), '90');
  await page.fill('#pulse', '80');
  await page.fill('#notes', 'วัดชีพจรซ้ำได้ 80');
  await page.click('[data-testid=save-visit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '2');
  const queued = (await storeOf(page, 'outbox')).map((e) => e.visit);
  assert.equal(queued.length, 2);
  for (const v of queued) {
    assert.equal(v.base_version, 1);
    assert.notEqual(v.op_id, v.client_id, 'a correction is a new change');
  }

  // Meanwhile a nurse corrects the first visit herself (online, from another browser).
  const nurseContext = await browser.newContext();
  const nurse = await nurseContext.newPage();
  await signIn(nurse, base, NURSE);
  await nurse.waitForURL(`${base}/persons`);
  const nurseCsrf = JSON.parse(await nurse.getAttribute('body', 'hx-headers'))['X-CSRF-Token'];
  const theirs = await nurse.request.post(`${base}/api/v1/sync/visits`, {
    headers: { 'X-CSRF-Token': nurseCsrf },
    data: {
      visits: [{
        op_id: randomUUID(), client_id: somsri.client_id, person_id: somsri.person_id, base_version: 1,
        visited_at: somsri.visit.visited_at, vitals: { systolic: '128', diastolic: '84' }, adl: null,
        needs: [], needs_note: '', notes: 'พยาบาลวัดความดันซ้ำ',
      }],
    },
  });
  assert.equal(theirs.status(), 200);
  const [mine] = (await theirs.json()).results;
  assert.equal(mine.status, 'applied');
  assert.equal(mine.version, 2);

  // Signal again: the plain correction is applied; the other one meets the nurse's and is kept
  // for review, and the app says so.
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=outbox-count]').textContent === '0', null, { timeout: 20_000 });
  await page.waitForSelector(`${entry('สมศรี')} [data-testid=sent-conflict]`);
  assert.match(await page.textContent(`${entry('สมศรี')} [data-testid=sent-conflict]`),
    /มีผู้อื่นแก้ไขการเยี่ยมนี้ในระหว่างนั้น.*เก็บไว้ให้ผู้ประสานงานตรวจสอบ/);
  assert.match(await page.textContent('[data-testid=sync-status]'), /การแก้ไข 1 รายการรอผู้ประสานงานตรวจสอบ/);
  assert.equal(await page.locator(`${entry('สมศรี')} button`).count(), 0);
  assert.match(await page.textContent(entry('บุญมี')), /ฉบับที่ 2/);
  const after = await storeOf(page, 'sent');
  assert.equal(after.find((s) => s.client_id === somsri.client_id).version, 1, 'the phone keeps what it knew');
  assert.equal(after.find((s) => s.client_id === boonmee.client_id).visit.notes, 'วัดชีพจรซ้ำได้ 80');

  const visitOf = async (s) => {
    const r = await nurse.request.get(`${base}/api/v1/persons/${s.person_id}/visits`);
    assert.equal(r.status(), 200);
    return (await r.json()).items.find((v) => v.client_id === s.client_id);
  };
  // The nurse's correction stands; nothing was overwritten.
  let v = await visitOf(somsri);
  assert.equal(v.notes, 'พยาบาลวัดความดันซ้ำ');
  assert.equal(v.version, 2);
  v = await visitOf(boonmee);
  assert.equal(v.notes, 'วัดชีพจรซ้ำได้ 80');
  assert.equal(v.pulse, 80);
  assert.equal(v.version, 2);

  // The nurse reviews the kept correction and applies it.
  await nurse.goto(`${base}/care/conflicts`);
  const conflicts = nurse.locator('[data-conflict]');
  assert.equal(await conflicts.count(), 1);
  assert.match(await conflicts.first().textContent(), /แก้ไขโดย อสม\./);
  await Promise.all([
    nurse.waitForURL(`${base}/care/conflicts`),
    conflicts.first().locator('form[action^="/care/conflicts/"] button:has-text("ใช้ฉบับที่เสนอ")').click(),
  ]);
  assert.equal(await nurse.locator('[data-conflict]').count(), 0);
  v = await visitOf(somsri);
  assert.equal(v.notes, 'แก้ไขโดย อสม.');
  assert.equal(v.version, 3);

  await nurseContext.close();
  await context.close();
});
