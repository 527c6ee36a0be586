// Record linkage as a district officer does it, in Debian's Chromium: adds the elderly
// allowance programme, uploads the allowance roll (Thai headers, glued prefixes, Buddhist-era
// dates, slips), sees what was linked at once and what waits for review, reviews one uncertain
// pair side by side and says it is the same person (who then receives the allowance), opens the
// gap report for the subdistrict, and the public sees only suppressed counts.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, signIn, startServer } from './server.mjs';

const OFFICER = { email: 'officer@example.org', password: 'district officer 2569' };
let server;
let browser;

// A valid Thai national ID from its first 12 digits (mod-11 check digit).
const nationalId = (first12) => {
  let sum = 0;
  for (let i = 0; i < 12; i += 1) sum += Number(first12[i]) * (13 - i);
  return `${first12}${(11 - (sum % 11)) % 10}`;
};

const FIRSTS = ['สมศรี', 'บุญมา', 'คำปัน', 'แก้ว', 'ทองคำ', 'จันทร์', 'ศรีนวล', 'บัวผัน', 'อำนวย', 'ดวงใจ',
  'ประยูร', 'มานพ', 'วันดี', 'จำปี', 'อินทร์', 'เสาร์', 'คำแสน', 'สุดา', 'ปัน', 'ทองใบ'];
const LASTS = ['ใจดี', 'ทองมา', 'แสนคำ', 'อินต๊ะ', 'ปัญญา', 'สุขใจ', 'บุญเรือง', 'คำมูล', 'ศรีวงศ์', 'กันทะ'];
const people = [];
FIRSTS.forEach((first, k) => [0, 1].forEach((l) => {
  const n = k * 2 + l;
  const last = LASTS[(k + l * 3) % LASTS.length];
  people.push({
    id: nationalId(`3550100${String(n).padStart(5, '0')}`),
    prefix: n % 2 ? 'นาย' : 'นาง',
    first,
    last,
    birth: `${1 + (n % 27)}/${1 + (n % 12)}/24${70 + (n % 20)}`,
    house: String(1 + n),
  });
}));

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-linkage-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  // Forty elders of one village, all born before 2500 BE: each is owed the elderly allowance.
  writeFileSync(join(dir, 'persons.csv'), '\ufeff' + [
    'เลขประจำตัวประชาชน,คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน',
    ...people.map((p) => [p.id, p.prefix, p.first, p.last, p.birth, p.house, '55010101'].join(',')),
  ].join('\n') + '\n');
  server.cli(['import', 'persons', join(dir, 'persons.csv')]);
  server.cli(['users', 'create', '--email', OFFICER.email, '--name', 'นายสมชาย พัฒนาการอำเภอ',
    '--role', 'staff', '--area', '55', '--password-stdin'], `${OFFICER.password}\n`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an allowance roll is linked, one uncertain pair reviewed, the gap report opened', { timeout: 90_000 }, async () => {
  const page = await browser.newPage();
  const base = server.base;
  await signIn(page, base, OFFICER);
  await page.waitForURL(`${base}/persons`);

  // The programme.
  await page.goto(`${base}/programmes`);
  await page.fill('#name', 'เบี้ยยังชีพผู้สูงอายุ จ.น่าน');
  await page.selectOption('#kind', 'elderly_allowance');
  await page.fill('#area_code', '55');
  await page.fill('#amount', '600');
  await page.selectOption('#period', 'monthly');
  await page.click('form[action="/programmes"] button[type=submit]');
  await page.waitForURL(`${base}/programmes`);

  // The roll: 24 elders as the registry has them, one without her ID and with a tone-mark slip
  // and only her birth year (the uncertain one), and three people the registry does not know.
  const rows = people.slice(0, 24).map((p) => `${p.id},${p.prefix}${p.first},${p.last},${p.birth},55010101`);
  const slipped = people[30];
  const slippedFirst = slipped.first.replace(/[\u0E48-\u0E4C]/g, '');
  assert.notEqual(slippedFirst, slipped.first);
  rows.push(`,นาง${slippedFirst},${slipped.last},${slipped.birth},55010101`);
  for (let k = 0; k < 3; k += 1) {
    rows.push(`${nationalId(`15599000000${k}`)},นายใหม่${k},ไม่อยู่ในทะเบียน,1/1/25${10 + k},55010101`);
  }
  const roll = '\ufeffเลขบัตรประชาชน,ชื่อ,นามสกุล,วันเกิด,รหัสหมู่บ้าน\n' + rows.join('\n') + '\n';

  await page.goto(`${base}/linkage`);
  assert.equal(await page.getAttribute('html', 'lang'), 'th');
  // A threshold that is not a probability is refused on its field, with nothing done.
  await page.selectOption('#programme_id', { label: 'เบี้ยยังชีพผู้สูงอายุ จ.น่าน (55)' });
  await page.setInputFiles('#file', { name: 'บัญชีเบี้ยยังชีพ.csv', mimeType: 'text/csv', buffer: Buffer.from(roll) });
  await page.click('[data-testid=roll-form] summary');
  await page.fill('#roll-auto', '0.6');
  await page.fill('#roll-review', '0.9');
  await page.click('[data-testid=roll-form] button[type=submit]');
  await page.waitForSelector('#roll-review-error');
  assert.match(await page.textContent('#roll-review-error'), /เกณฑ์ส่งตรวจ/);
  assert.equal(await page.getAttribute('#roll-review', 'aria-invalid'), 'true');
  assert.equal(await page.locator('[data-testid=link-runs] li').count(), 0);

  // Anything not nearly certain goes to a person.
  await page.setInputFiles('#file', { name: 'บัญชีเบี้ยยังชีพ.csv', mimeType: 'text/csv', buffer: Buffer.from(roll) });
  await page.fill('#roll-auto', '0.999');
  await page.fill('#roll-review', '0.05');
  await page.click('[data-testid=roll-form] button[type=submit]');
  await page.waitForSelector('[data-testid=link-report]');
  const applied = Number(await page.textContent('[data-testid=link-applied]'));
  const queued = Number(await page.textContent('[data-testid=link-queued]'));
  const unmatched = Number(await page.textContent('[data-testid=link-unmatched]'));
  assert.equal(applied + queued + unmatched, 28);
  assert.ok(applied >= 20, `most of the roll links at once (${applied})`);
  assert.ok(queued >= 1, 'the slipped record waits for review');
  assert.ok(unmatched >= 3, 'the three strangers are not in the registry');

  // Who is on the roll but not in the registry, by name, to be found and registered.
  await page.click('[data-testid=roll-unmatched-link]');
  await page.waitForSelector('[data-testid=roll-rows]');
  const strangers = await page.locator('[data-testid=roll-rows] tbody tr').allTextContents();
  assert.equal(strangers.length, unmatched);
  for (let k = 0; k < 3; k += 1) {
    assert.ok(strangers.some((t) => t.includes(`ใหม่${k}`)), `stranger ${k} is listed`);
  }

  // The queue, and the slipped pair side by side.
  await page.goto(`${base}/linkage`);
  await page.click('[data-testid=review-queue-link]');
  await page.waitForURL(`${base}/linkage/review`);
  const pair = page.locator('[data-testid=review-queue] a', { hasText: slipped.first });
  assert.equal(await pair.count(), 1, 'the slipped record is in the queue');
  await pair.click();
  await page.waitForSelector('[data-testid=pair]');
  const table = await page.textContent('[data-testid=pair]');
  assert.match(table, new RegExp(`${slipped.first} ${slipped.last}`));
  assert.match(table, new RegExp(`${slippedFirst} ${slipped.last}`));
  assert.ok(await page.locator('[data-testid=weights] tbody tr').count() >= 4, 'every field explained');
  // Keyboard: the decision buttons are reachable and named.
  const reviewed = new URL(page.url()).pathname;
  await page.focus('[data-testid=decide-match]');
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => u.pathname !== reviewed && u.pathname.startsWith('/linkage/review'));

  // The registry person now receives the allowance, with the roll as the source.
  await page.goto(`${base}/persons?q=${encodeURIComponent(slipped.first)}`);
  await page.click(`text=${slipped.first} ${slipped.last}`);
  await page.click('a[href$="/assistance"]');
  assert.match(await page.textContent('main'), /เบี้ยยังชีพผู้สูงอายุ จ\.น่าน/);
  assert.match(await page.textContent('main'), /บัญชีเบี้ยยังชีพ\.csv/);

  // The gap report for the subdistrict: the elders not on the roll are listed, linked ones not.
  await page.goto(`${base}/gaps?area=550101`);
  assert.match(await page.textContent('h1'), /550101/);
  const listed = await page.locator('[data-testid=gap-rows] li').allTextContents();
  assert.ok(listed.some((t) => t.includes(`${people[39].first} ${people[39].last}`)), 'an elder off the roll is listed');
  assert.ok(!listed.some((t) => t.includes(`${people[0].first} ${people[0].last}`)), 'a linked elder is not');
  const owed = Number(await page.textContent('[data-gap=no_elderly_allowance]'));
  assert.equal(owed, 40 - applied - 1);
  await page.close();

  // The public sees counts only: 15 of one village are shown; nobody is named.
  const anon = await browser.newPage();
  await anon.goto(`${base}/public/gaps?area=550101`);
  const text = await anon.textContent('[data-testid=public-gaps]');
  assert.ok(!text.includes(people[39].first), 'no name on the public page');
  assert.equal((await anon.locator('[data-testid=public-gap-total]').first().textContent()).trim(), String(40 - applied - 1));
  await anon.close();
});
