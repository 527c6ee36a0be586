// Watch-station readings in the field app, in Debian's Chromium: an administrator sets up a river
// gauge for a village; its village health volunteer opens /field with signal (the station is
// kept on the phone), loses the signal, starts the app again offline, reads the gauge (4.2 m,
// past "watch" and "warning") and slips once (99 m); back online the app sends both by itself:
// the reading lands once with its two alerts, the slip comes back refused next to it and is
// discarded, and sending the reading again with its op_id changes nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addUser, launchBrowser, outboxCount, signIn, startServer } from './server.mjs';

const OPERATOR = { email: 'osm-river@example.org', password: 'river gauge 2569' };
const STATION = 'ไม้วัดระดับน้ำน่าน บ้านภูมินทร์';
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-readings-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  addUser(server, OPERATOR, 'นายคำ อสม.', 'operator', '55010101');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('readings entered offline are sent once when the phone is back online', { timeout: 90_000 }, async () => {
  const base = server.base;

  // The administrator sets the gauge up on /hazards: watch 3 m, warning 4 m, evacuate 5 m.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, base);
  await admin.waitForURL(`${base}/persons`);
  await admin.goto(`${base}/hazards`);
  const stationForm = admin.locator('[data-testid=station-form]');
  await stationForm.locator('[name=name]').fill(STATION);
  await stationForm.locator('[name=kind]').selectOption('water_level');
  await stationForm.locator('[name=village_code]').fill('55010101');
  await stationForm.locator('[name=watch]').fill('3');
  await stationForm.locator('[name=warning]').fill('4');
  await stationForm.locator('[name=danger]').fill('5');
  await Promise.all([admin.waitForURL(`${base}/hazards`), stationForm.locator('button[type=submit]').click()]);
  assert.match(await admin.textContent('[data-testid=stations]'), new RegExp(STATION));

  // With signal: the volunteer's field app lists the gauge and keeps it on the phone.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, OPERATOR);
  await page.waitForURL(`${base}/persons`);
  await page.goto(`${base}/field`);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=station]').length === 1);
  const listed = (await (await page.request.get(`${base}/api/v1/stations`)).json()).items;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].may_record, true);
  const stationId = listed[0].id;
  const station = page.locator('[data-testid=station]');
  assert.match(await station.textContent(), new RegExp(STATION));
  assert.match(await station.textContent(), /วัดระดับน้ำ/);
  assert.match(await station.textContent(), /ยังไม่มีการอ่านค่า/);
  assert.match(await station.textContent(), /เกณฑ์เตือน: เฝ้าระวัง 3 m · เตือนภัย 4 m · อพยพ 5 m/);
  const value = station.locator('input[name=value]');
  assert.equal(await value.getAttribute('inputmode'), 'decimal');
  assert.equal((await station.locator(`label[for="${await value.getAttribute('id')}"]`).textContent()).trim(),
    'ค่าที่อ่านได้ (m)');

  // No signal: the app starts from the service worker, the station from the phone.
  await context.setOffline(true);
  assert.ok((await page.reload()).fromServiceWorker(), 'the shell comes from the service worker');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=station]').length === 1);
  assert.equal(await outboxCount(page), 0);
  assert.ok((await station.locator('input[name=observed_at]').inputValue()).length >= 16, 'the time defaults to now');

  // Nothing typed: the slip is shown next to the field, nothing is saved.
  await station.locator('button[type=submit]').click();
  await page.waitForSelector(`#reading-${stationId}-value-error:not([hidden])`);
  assert.equal(await outboxCount(page), 0);

  // The reading, then a slip of the finger.
  const typedAt = Date.now();
  await value.fill('4.2');
  await station.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '1');
  assert.equal(await value.inputValue(), '', 'the form is ready for the next reading');
  await value.fill('99');
  await station.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '2');
  const entries = page.locator('[data-testid=outbox-entry]');
  assert.equal(await entries.count(), 2);
  assert.match(await entries.first().textContent(), /ค่าที่อ่าน.*4\.2 m.*รอส่ง/);

  // What the phone will send: an op_id made here, the time of entry.
  const queued = await page.evaluate(() => new Promise((ok, fail) => {
    const req = indexedDB.open('ruamjai-field');
    req.onerror = () => fail(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => { ok(all.result); req.result.close(); };
      all.onerror = () => fail(all.error);
    };
  }));
  assert.equal(queued.length, 2);
  const reading = queued.find((e) => e.reading.value === '4.2').reading;
  assert.match(reading.op_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const at = Date.parse(reading.observed_at);
  assert.ok(at >= typedAt - 1000 && at <= Date.now(), `observed at the time of entry: ${reading.observed_at}`);

  // Signal again: the app sends by itself. The reading is taken; the slip comes back refused,
  // its message next to it, and stays until fixed or discarded.
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=outbox-count]').textContent === '1', null, { timeout: 20_000 });
  await page.waitForSelector('[data-testid=reading-errors]');
  assert.match(await page.textContent('[data-testid=reading-errors]'), /ค่าที่อ่านได้ \(m\): ค่านี้เป็นไปไม่ได้/);
  assert.match(await page.textContent('[data-testid=sync-status]'), /ระบบไม่รับ/);
  // The station now shows the reading and the level it reached.
  await page.waitForFunction(() => document.querySelector('[data-testid=station-latest]').textContent.includes('4.2 m'));
  assert.match(await page.textContent('[data-testid=station-latest]'), /ค่าล่าสุด 4\.2 m .*เตือนภัย/);

  // Fixing it puts it back in the station's form with the message next to the value; the
  // volunteer discards it instead.
  await page.click('[data-testid=outbox-entry] button:has-text("แก้ไข")');
  assert.equal(await value.inputValue(), '99');
  assert.match(await page.textContent(`#reading-${stationId}-value-error`), /ค่านี้เป็นไปไม่ได้/);
  page.once('dialog', (d) => d.accept());
  await page.click('[data-testid=outbox-entry] button:has-text("ทิ้ง")');
  await page.waitForFunction(() => document.querySelector('[data-testid=outbox-count]').textContent === '0');
  assert.equal(await value.inputValue(), '', 'the discarded reading leaves the form');

  // On the server: the reading once, two alerts (watch and warning).
  const alertsOf = () => page.evaluate(async (id) => {
    const res = await fetch('/api/v1/alerts', { credentials: 'same-origin' });
    return (await res.json()).items.filter((a) => a.station_id === id).map((a) => a.level).sort();
  }, stationId);
  assert.deepEqual(await alertsOf(), ['warning', 'watch']);

  // Sent again with the same op_id (a lost answer): 200, the same reading, nothing raised.
  const again = await page.evaluate(async ({ id, body }) => {
    const csrf = document.getElementById('field-app').dataset.csrf;
    const res = await fetch(`/api/v1/stations/${id}/readings`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }, { id: stationId, body: reading });
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  assert.deepEqual(again.body.raised, ['watch', 'warning'], 'the first answer again');
  assert.deepEqual(await alertsOf(), ['warning', 'watch']);
  const [after] = (await (await page.request.get(`${base}/api/v1/stations`)).json()).items;
  assert.equal(after.latest_value, 4.2);
  assert.equal(after.level, 'warning');
  assert.equal(Date.parse(after.latest_at), Math.floor(at / 1000) * 1000, 'observed at the time of entry, to the second');

  // The administrator's page says the same.
  await admin.goto(`${base}/hazards`);
  assert.equal((await admin.textContent(`#station-${stationId} [data-testid=latest]`)).trim(), '4.2 m');
  assert.equal(await admin.locator(`[data-alert]`).count(), 2);

  await adminContext.close();
  await context.close();
});
