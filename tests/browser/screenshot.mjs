// Make docs/screenshot.png: a subdistrict with its villages on a phone, in Thai.
// Usage: node tests/browser/screenshot.mjs (after cargo build --bin ruamjai)
import { join } from 'node:path';

import { ROOT, launchBrowser, signIn, startServer } from './server.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 390, height: 600 }, deviceScaleFactor: 1 });
  await signIn(page, server.base);
  await page.waitForURL(`${server.base}/persons`);
  await page.goto(`${server.base}/areas`);
  // Two villages through the form, as an area admin would add them.
  for (const [no, th, en] of [['1', 'บ้านภูมินทร์', 'Ban Phumin'], ['2', 'บ้านมณเฑียร', 'Ban Monthian']]) {
    await page.goto(`${server.base}/areas/550101`);
    await page.fill('#village_no', no);
    await page.fill('#name_th', th);
    await page.fill('#name_en', en);
    await page.click('#add-village + form button[type=submit]');
    await page.waitForURL(`${server.base}/areas/5501010${no}`);
  }
  await page.goto(`${server.base}/areas/550101`);
  await page.screenshot({ path: join(ROOT, 'docs/screenshot.png') });
} finally {
  await browser.close();
  await server.stop();
}
