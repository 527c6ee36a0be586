// Data-subject rights on a phone, in Debian's Chromium: an area administrator opens a person's
// rights page from the person page, downloads everything held on her, sees who accessed her,
// and erases her with the keyboard-reachable form (a missing reason and confirmation come back
// next to their fields); the reference is shown and the person is gone.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { addUser, launchBrowser, signIn, startServer } from './server.mjs';

const AREA_ADMIN = { email: 'aa@example.org', password: 'area admin 2569' };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-privacy-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  writeFileSync(join(dir, 'persons.csv'), '\ufeff' + [
    'เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน',
    '1101700230708,นาง,บัวผัน,ขอลบข้อมูล,15/03/2490,12,55010101',
  ].join('\n') + '\n');
  server.cli(['import', 'persons', join(dir, 'persons.csv')]);
  addUser(server, AREA_ADMIN, 'นางแอดมิน พื้นที่', 'area_admin', '5501');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an area administrator exports, reads the access list and erases a person on a phone', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, server.base, AREA_ADMIN);
  await page.waitForURL(`${server.base}/persons`);
  await page.click('#results a:has-text("บัวผัน ขอลบข้อมูล")');
  await page.waitForSelector('[data-testid=rights-section]');
  await page.click('[data-testid=rights-section] a[href$="/rights"]');
  await page.waitForSelector('h1:has-text("สิทธิของเจ้าของข้อมูล")');

  // The copy of everything held on her, as a JSON download.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=rights-export-link]'),
  ]);
  assert.match(download.suggestedFilename(), /^ruamjai-person-\d+-\d{8}\.json$/);
  const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(doc.tables.persons[0].first_name, 'บัวผัน');
  assert.equal(doc.tables.persons[0].id_number, '1101700230708');

  // Who accessed her: the download just made is listed first, with a Buddhist-era date.
  await page.click('[data-testid=rights-access-link]');
  const first = page.locator('[data-testid=access-log] tbody tr').first();
  assert.equal(await first.getAttribute('data-action'), 'person.data_export');
  assert.match(await first.textContent(), /25\d\d/);
  await page.goBack();

  // Erasure: submitted empty, both problems are named next to their fields.
  await page.click('[data-testid=rights-erase-link]');
  await page.click('[data-testid=erase-submit]');
  await page.waitForSelector('#reason-error');
  assert.equal(await page.getAttribute('#reason', 'aria-invalid'), 'true');
  assert.ok(await page.isVisible('#confirm-error'));
  // With the keyboard: type the reason, tick the box, submit.
  await page.focus('#reason');
  await page.keyboard.type('คำขอของเจ้าของข้อมูล ลงวันที่ 1 ธ.ค. 2569');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.ok(await page.isChecked('#confirm'));
  await page.click('[data-testid=erase-submit]');
  await page.waitForSelector('[data-testid=erased-pseudonym]');
  assert.match((await page.textContent('[data-testid=erased-pseudonym]')).trim(), /^erased-[0-9a-f]{10}$/);
  // Nothing is wider than the phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false);

  // She is gone from the registry.
  await page.goto(`${server.base}/persons?q=${encodeURIComponent('บัวผัน')}`);
  assert.equal(await page.locator('#results a:has-text("บัวผัน")').count(), 0);
  await context.close();
});
