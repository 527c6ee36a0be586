// Disaster risk as a district officer works it, in Debian's Chromium: open the hazard map of a
// village, draw a flood zone over its homes with the mouse, name it, open its evacuation list,
// and find the bedridden woman who lives alone first; the man with no home location is listed
// apart, not dropped; the CSV says the same.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, signIn, startServer } from './server.mjs';

let server;
let browser;
const HOME = [18.7800, 100.7800];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'ruamjai-hazards-'));
  writeFileSync(join(dir, 'villages.csv'),
    'subdistrict_code,village_no,name_th,name_en\n550101,1,บ้านภูมินทร์,Ban Phumin\n');
  server.cli(['areas', 'import-villages', join(dir, 'villages.csv')]);
  // Homes a few metres apart in the middle of the village; one without a location.
  const at = (k) => [HOME[0] + k * 0.0002, HOME[1] + k * 0.0002].join(',');
  writeFileSync(join(dir, 'persons.csv'), '\ufeff' + [
    'คำนำหน้า,ชื่อ,นามสกุล,วันเกิด,บ้านเลขที่,รหัสหมู่บ้าน,กลุ่มเปราะบาง,ละติจูด,ลองจิจูด',
    `นาย,บุญมี,มีสุข,2480,14,55010101,,${at(1)}`,
    `นาย,แข็งแรง,ดีมาก,2530,14,55010101,,${at(1)}`,
    `นาง,สมศรี,ใจดี,2495,12,55010101,ติดเตียง,${at(2)}`,
    `นาง,คำปัน,ใจงาม,2500,16,55010101,ติดบ้าน,${at(3)}`,
    'นาย,ไม่รู้,ที่อยู่,2490,18,55010101,ติดเตียง,,',
  ].join('\n') + '\n');
  server.cli(['import', 'persons', join(dir, 'persons.csv')]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a flood zone drawn over a village lists its bedridden person living alone first', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const base = server.base;
  await signIn(page, base);
  await page.waitForURL(`${base}/persons`);

  await page.goto(`${base}/map?area=55010101`);
  await page.waitForSelector('#hazard-map[data-ready="1"]', { timeout: 20_000 });
  const box = await page.locator('#hazard-map').boundingBox();
  const pixel = async (lat, lon) => {
    const p = await page.evaluate(([a, b]) => window.ruamjaiHazardMap.latLngToContainerPoint([a, b]), [lat, lon]);
    return [box.x + p.x, box.y + p.y];
  };
  // A square about 900 m across around the homes, corners well away from any marker.
  const d = 0.004;
  const corners = [
    [HOME[0] - d, HOME[1] - d], [HOME[0] - d, HOME[1] + d],
    [HOME[0] + d, HOME[1] + d], [HOME[0] + d, HOME[1] - d],
  ];
  await page.click('.leaflet-pm-icon-polygon');
  for (const [lat, lon] of [...corners, corners[0]]) {
    const [x, y] = await pixel(lat, lon);
    await page.mouse.click(x, y);
  }
  await page.waitForSelector('#zone-form:not([hidden])');
  const drawn = JSON.parse(await page.inputValue('#zone-geometry'));
  assert.equal(drawn.type, 'Polygon');
  assert.equal(drawn.coordinates[0].length, 5, 'four corners and the first again');
  await page.fill('#name', 'น้ำท่วมบ้านภูมินทร์');
  await page.selectOption('#kind', 'flood');
  assert.equal(await page.inputValue('#area_code'), '55010101', 'the map\'s area is proposed');
  await page.click('#zone-form button[type=submit]');
  await page.waitForURL(/\/hazards\/zones\/\d+$/);
  assert.equal(await page.textContent('h1'), 'น้ำท่วมบ้านภูมินทร์');

  await page.click('[data-testid=evacuation-link]');
  await page.waitForURL(/\/evacuation$/);
  const rows = page.locator('[data-testid=evacuees] tbody tr');
  assert.equal(await rows.count(), 3, 'the bedridden, the home-bound and the elderly; not the healthy');
  assert.equal(await rows.nth(0).getAttribute('data-priority'), 'bedridden_alone');
  assert.match(await rows.nth(0).textContent(), /สมศรี ใจดี/);
  assert.match(await rows.nth(0).textContent(), /อยู่ลำพัง/);
  assert.equal(await rows.nth(1).getAttribute('data-priority'), 'homebound');
  assert.equal(await rows.nth(2).getAttribute('data-priority'), 'elderly');
  const apart = page.locator('[data-testid=unlocated] tbody tr');
  assert.equal(await apart.count(), 1);
  assert.match(await apart.nth(0).textContent(), /ไม่รู้ ที่อยู่/);

  // The same list as CSV, for the team's spreadsheet.
  const csv = await (await page.request.get(page.url() + '.csv')).text();
  const lines = csv.replace(/^\ufeff/, '').trim().split('\n');
  assert.equal(lines.length, 1 + 4);
  assert.match(lines[1], /^1,bedridden_alone,/);
  await context.close();
});
