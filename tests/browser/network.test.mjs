// The volunteer college as people use it, in Debian's Chromium: partner staff add a volunteer,
// create a course and a session, enrol the volunteer, mark attendance and complete the course;
// the volunteer gains the course's skill, and anyone can check the certificate on the public
// page, which shows only the name, the course and the date.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, signIn, startServer } from './server.mjs';

const STAFF = { email: 'college@example.org', password: 'college staff 2569' };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-network-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  server.cli(['users', 'create', '--email', STAFF.email, '--name', 'นางสาวใจดี ผู้ประสาน',
    '--role', 'staff', '--area', '5501', '--password-stdin'], `${STAFF.password}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a course completed grants its skill and the certificate verifies publicly', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, STAFF);
  await page.waitForURL(`${server.base}/persons`);

  // A volunteer, with a slip first: the error stands next to its field.
  await page.goto(`${server.base}/volunteers/new`);
  await page.fill('#first_name', 'สมใจ');
  await page.fill('#last_name', 'รักถิ่น');
  await page.fill('#phone', '081-234-5678');
  await page.fill('#area_code', '55010101');
  await page.fill('#availability', 'sometimes');
  await page.click('main button[type=submit]');
  await page.waitForSelector('#availability-error');
  assert.equal(await page.getAttribute('#availability', 'aria-invalid'), 'true');
  await page.fill('#availability', 'จ-ศ 18:00-21:00');
  await page.click('main button[type=submit]');
  await page.waitForURL(/\/volunteers\/\d+$/);
  const volunteerUrl = page.url();
  assert.equal(await page.locator('[data-testid=skills] li').count(), 0);

  // A course granting the ADL assessment skill, and a session of it.
  await page.goto(`${server.base}/college`);
  await page.fill('#title_th', 'การประเมินความสามารถในการทำกิจวัตรประจำวัน');
  await page.fill('#title_en', 'ADL assessment');
  assert.equal(await page.inputValue('#area_code'), '5501', 'the staff member\'s own area is offered');
  await page.check('input[name=skills][value=adl_assessment]');
  await page.fill('#hours', '6');
  await page.click('form[action="/college#new"] button[type=submit]');
  await page.waitForURL(/\/college\/courses\/\d+(#\w+)?$/);
  await page.fill('#date', '20/11/2569');
  await page.fill('#place', 'รพ.สต.ในเวียง');
  await page.fill('#capacity', '20');
  await page.click('form[action$="#new"] button[type=submit]');
  await page.waitForURL(/\/college\/sessions\/\d+(#\w+)?$/);
  assert.match(await page.textContent('main'), /20 พ\.ย\. 2569/);

  // Enrol, mark attendance, complete: a certificate code appears.
  await page.selectOption('#volunteer_id', { label: 'สมใจ รักถิ่น · 55010101' });
  await page.click('form[action$="#enrol"] button[type=submit]');
  await page.waitForSelector('[data-testid=enrolments] li');
  await page.click('[data-testid=enrolments] form[action$="/attendance"] button');
  await page.waitForSelector('[data-testid=enrolments] form[action$="/complete"]');
  await page.fill('[data-testid=enrolments] input[name=date]', '20/11/2569');
  await page.click('[data-testid=enrolments] form[action$="/complete"] button');
  await page.waitForSelector('[data-testid=certificate-code]');
  const code = (await page.textContent('[data-testid=certificate-code]')).trim();
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
  // The printable certificate carries the name, the course and the code.
  await page.click('[data-testid=enrolments] a[href$="/certificate"]');
  await page.waitForSelector('.certificate');
  const paper = await page.textContent('.certificate');
  assert.match(paper, /สมใจ รักถิ่น/);
  assert.ok(paper.includes(code));

  // The volunteer now has the skill, from the course.
  await page.goto(volunteerUrl);
  const skill = page.locator('[data-testid=skills] li[data-skill=adl_assessment]');
  assert.equal(await skill.count(), 1);
  assert.match(await skill.textContent(), /จากหลักสูตรอบรม/);

  await context.close();

  // Anyone, without an account, checks the code as typed from paper.
  const visitor = await browser.newContext();
  const pub = await visitor.newPage();
  await pub.goto(`${server.base}/verify`);
  await pub.fill('#code', code.toLowerCase().replace('-', ' '));
  await pub.click('main button[type=submit]');
  await pub.waitForSelector('[data-testid=verify-ok]');
  assert.equal((await pub.textContent('[data-testid=verify-name]')).trim(), 'สมใจ รักถิ่น');
  const shown = await pub.textContent('main');
  assert.match(shown, /การประเมินความสามารถในการทำกิจวัตรประจำวัน/);
  assert.match(shown, /ADL assessment/);
  assert.match(shown, /20 พ\.ย\. 2569/);
  for (const secret of ['081', '0812345678', '55010101', 'จ-ศ']) {
    assert.ok(!shown.includes(secret), `${secret} must not be shown publicly`);
  }
  // A wrong code says so.
  await pub.goto(`${server.base}/verify?code=ZZZZZ-ZZZZZ`);
  await pub.waitForSelector('[data-testid=verify-bad]');
  await visitor.close();
});
