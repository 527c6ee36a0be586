// The registry as people use it, in Debian's Chromium: an operator finds a person despite a
// spelling slip, opens the page, and attests as village head; a visitor without an account
// sees the public dashboard with small counts suppressed and no personal data.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, signIn, startServer } from './server.mjs';

const HEAD = { email: 'head@example.org', password: 'village head 2569' };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-registry-'));
  // Two villages of Nai Wiang subdistrict, Mueang Nan.
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n550101,2,บ้านมณเฑียร,Ban Monthian\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  // Village 1: twelve persons, three of them disabled (a count below ten: suppressed publicly).
  const rows = ['เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง',
    '1101700230708,นาง,สมศรี,ศรีสุข,15/03/2490,12,55010101,คนพิการ'];
  for (let i = 0; i < 11; i++) rows.push(`,นาย,ทดสอบ${i},ใจดี,2500,${20 + i},55010101,${i < 2 ? 'คนพิการ' : ''}`);
  for (let i = 0; i < 15; i++) rows.push(`,นาง,บัว${i},คำมา,2510,${40 + i},55010102,`);
  writeFileSync(join(dir, 'persons.csv'), '\ufeff' + rows.join('\n') + '\n');
  server.cli(['import', 'persons', join(dir, 'persons.csv')]);
  server.cli(['registry', 'refresh-counts']);
  server.cli(['users', 'create', '--email', HEAD.email, '--name', 'นายบุญมา ผู้ใหญ่บ้าน',
    '--role', 'operator', '--area', '55010101', '--password-stdin'], `${HEAD.password}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an operator finds a person despite a spelling slip and attests as village head', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, HEAD);
  await page.waitForURL(`${server.base}/persons`);
  await page.waitForLoadState('load');
  // ศ typed as ส, and the search is live (htmx).
  // Before searching the operator sees their village's list (12 persons).
  assert.equal(await page.locator('#results ul.persons > li').count(), 12);
  await page.fill('#q', 'สมศรี สรีสุข');
  await page.waitForFunction(() => document.querySelectorAll('#results ul.persons > li').length === 1);
  const hit = page.locator('#results a:has-text("สมศรี ศรีสุข")');
  await hit.click();
  await page.waitForSelector('[data-testid=person-name]');
  assert.equal((await page.textContent('[data-testid=person-name]')).trim(), 'นางสมศรี ศรีสุข');
  assert.equal((await page.textContent('[data-testid=id-number]')).trim(), '1-1017-00230-70-8');
  assert.equal((await page.textContent('[data-testid=verification]')).trim(), 'ยังไม่ได้รับรอง');
  assert.ok(await page.isVisible('[data-testid=category-elderly]'), 'elderly is derived from the birth year');

  // Attest with the keyboard-reachable form: role, signer's name (prefilled), submit.
  const form = page.locator('[data-testid=attest-form]');
  await form.locator('select[name=role]').selectOption('village_head');
  assert.equal(await form.locator('input[name=signer_name]').inputValue(), 'นายบุญมา ผู้ใหญ่บ้าน');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('[data-testid=attestation-village_head]');
  assert.match(await page.textContent('[data-testid=attestation-village_head]'), /ผู้ใหญ่บ้าน: นายบุญมา ผู้ใหญ่บ้าน/);
  // One of three: not yet certified, and the same role is not offered again.
  assert.equal((await page.textContent('[data-testid=verification]')).trim(), 'ยังไม่ได้รับรอง');
  assert.equal(await form.locator('select[name=role] option[value=village_head]').count(), 0);

  // A person of another village in the same subdistrict is out of this operator's scope.
  await page.goto(`${server.base}/persons?q=บัว0`);
  assert.equal(await page.locator('#results ul.persons > li').count(), 0);
  await context.close();
});

test('a visitor sees the public dashboard: suppressed small counts, no personal data', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(`${server.base}/public?area=550101`);
  assert.equal(res.status(), 200);
  const body = await page.textContent('main');
  assert.ok(!body.includes('สมศรี') && !body.includes('1101700230708') && !body.includes('ทดสอบ'),
    'no names or ID numbers on the public page');
  // Village 1 has 3 disabled persons: shown as <10, never as the number.
  const row = page.locator('tr', { has: page.locator('a[href*="55010101"], th:has-text("บ้านภูมินทร์")') }).first();
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /<10/);
  assert.match(text, /12/, 'the village total of 12 is shown');
  await context.close();
});
