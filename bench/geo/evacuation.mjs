// Time the evacuation lists and map layers of a running ruamjai (the demo at Nan's scale), as
// the admin: node bench/geo/evacuation.mjs PASSWORD BASE_URL (see RESULTS.md).
import { launchBrowser, signIn } from '../../tests/browser/server.mjs';
const base = process.argv[3];
const browser = await launchBrowser();
const page = await browser.newPage();
await signIn(page, base, { email: 'admin@demo.ruamjai.local', password: process.argv[2] });
await page.waitForURL(/persons/, { timeout: 60000 });
await page.goto(`${base}/hazards/zones`);
const links = await page.locator('table a[href^="/hazards/zones/"]').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
const time = async (path) => {
  const ms = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await page.request.get(base + path);
    const b = await r.body();
    ms.push(performance.now() - t);
    size = b.length;
  }
  ms.sort((a, b) => a - b);
  return `${path}: median ${ms[2].toFixed(0)} ms (min ${ms[0].toFixed(0)}, max ${ms[4].toFixed(0)}), ${size} bytes`;
};
for (const [href, name] of links) {
  const r = await page.request.get(`${base}${href.replace('/hazards/zones/', '/api/v1/zones/')}/evacuation`);
  const j = await r.json();
  console.log(name, '—', j.evacuees?.length, 'listed,', j.unlocated?.length, 'unlocated');
  console.log(' ', await time(`${href}/evacuation`));
}
console.log(await time('/map/layers.json?area=5501'));
console.log(await time('/map/layers.json?area=550101'));
console.log(await time('/map/layers.json'));
await browser.close();
