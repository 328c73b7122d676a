// First visit to /orders on a throttled phone network (1.6 Mbps down, 750 kbps up, 150 ms round
// trip, Chrome DevTools' network emulation), with an empty cache: how long until the orders
// table is visible, and until the page is interactive (hydrated), and how many bytes came over
// the wire. Runs against a server started by scripts/bench-first-visit.sh.
import { chromium } from '../node_modules/playwright/index.mjs';

const base = process.env.BENCH_URL ?? 'http://127.0.0.1:3137';
const runs = Number(process.env.BENCH_RUNS ?? 5);
const password = process.env.E2E_PASSWORD ?? 'e2e-password-kopi-42';
const launch = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
};

const browser = await chromium.launch(launch);
// Signing in is not part of the visit: take the session cookie from an unthrottled sign-in.
const login = await browser.newContext();
const response = await login.request.post(`${base}/api/auth/login`, {
  form: { email: 'finance@e2e.test', password },
  headers: { origin: base },
  maxRedirects: 0,
});
if (![200, 302].includes(response.status())) throw new Error(`sign-in: ${response.status()}`);
const cookies = await login.cookies();
await login.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1000 * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  const bytes = {};
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, e.type));
  cdp.on('Network.loadingFinished', (e) => {
    const type = types.get(e.requestId) ?? 'Other';
    bytes[type] = (bytes[type] ?? 0) + e.encodedDataLength;
  });
  const start = Date.now();
  await page.goto(`${base}/orders`, { waitUntil: 'commit' });
  await page.locator('[data-testid="orders-table"] tbody tr').first().waitFor({ state: 'visible', timeout: 60_000 });
  const table = Date.now() - start;
  await page.locator('.app[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  const hydrated = Date.now() - start;
  await page.waitForLoadState('networkidle');
  results.push({ table, hydrated, bytes });
  await context.close();
}
await browser.close();

const table = median(results.map((r) => r.table));
const hydrated = median(results.map((r) => r.hydrated));
const total = (r) => Object.values(r.bytes).reduce((a, b) => a + b, 0);
console.log(`first visit to /orders, 1.6 Mbps / 150 ms, empty cache, ${runs} runs (median):`);
console.log(`  orders table visible: ${table} ms   (target < 2000 ms)`);
console.log(`  hydrated (interactive): ${hydrated} ms   (target < 3000 ms)`);
console.log(`  bytes over the wire: ${median(results.map(total))} (${JSON.stringify(results[0].bytes)})`);
console.log(`  every run: ${results.map((r) => `${r.table}/${r.hydrated}`).join(', ')} ms`);
