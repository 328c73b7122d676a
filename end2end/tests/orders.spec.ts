import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'finance');
});

const rows = (page: Page) => page.locator('[data-testid="orders-table"] tbody tr');
const firstRefs = (page: Page) => rows(page).locator('.ref-link').allTextContents();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'];

// "24 Nov 2026, 14:05 WIB" -> "2026-11-24"
function isoDay(display: string): string {
  const [day, month, year] = display.split(',')[0].split(' ');
  return `${year}-${String(MONTHS.indexOf(month) + 1).padStart(2, '0')}-${day}`;
}

test('lists 50 orders a page, newest paid first, amounts in rupiah', async ({ page }) => {
  const response = await page.goto('/orders');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Orders' })).toBeVisible();
  await expect(rows(page)).toHaveCount(50);
  for (const amount of await rows(page).locator('td.num').allTextContents()) {
    expect(amount).toMatch(/^Rp \d{1,3}(\.\d{3})*,\d{2}$/);
  }
  const times = await rows(page).locator('td').first().allTextContents();
  expect(times[0]).toMatch(/^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} WIB$/);
  await page.screenshot({ path: 'screenshots/orders.png', fullPage: true });
});

test('searches by customer name, partner reference and DANA reference', async ({ page }) => {
  await page.goto('/orders');
  await hydrated(page);
  const name = (await rows(page).nth(2).locator('.customer').textContent())!.trim();
  await page.getByLabel('Search').fill(name);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(name).replace(/%20/g, '\\+')}`));
  const names = await rows(page).locator('.customer').allTextContents();
  expect(names.length).toBeGreaterThan(0);
  for (const n of names) expect(n.toLowerCase()).toContain(name.split(' ')[0].toLowerCase());

  await page.goto('/orders');
  const ref = (await rows(page).nth(5).locator('.ref-link').textContent())!.trim();
  const danaRef = (await rows(page).nth(7).locator('td.mono').nth(0).textContent())!.trim();
  await page.goto(`/orders?q=${ref}`);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().locator('.ref-link')).toHaveText(ref);
  await page.goto(`/orders?q=${danaRef}`);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(danaRef);
});

test('status filter applies at once and Back restores the list', async ({ page }) => {
  await page.goto('/orders');
  await hydrated(page);
  const before = await firstRefs(page);
  await page.getByLabel('Status').selectOption('CANCELLED');
  await expect(page).toHaveURL(/status=CANCELLED/);
  await expect(rows(page).first().locator('.badge')).toHaveText('Cancelled');
  for (const badge of await rows(page).locator('.badge').allTextContents()) expect(badge).toBe('Cancelled');
  await page.goBack();
  await expect(page).not.toHaveURL(/status=/);
  await expect.poll(() => firstRefs(page)).toEqual(before);
  await expect(page.getByLabel('Status')).toHaveValue('');
});

test('filters by paid-at day in Jakarta time', async ({ page }) => {
  await page.goto('/orders');
  const shown = (await rows(page).first().locator('td').first().textContent())!.trim();
  const day = isoDay(shown);
  await page.goto(`/orders?from=${day}&to=${day}`);
  const times = await rows(page).locator('td:first-child').allTextContents();
  expect(times.length).toBeGreaterThan(0);
  for (const t of times) expect(isoDay(t.trim())).toBe(day);
});

test('sorts by amount from the column heading', async ({ page }) => {
  await page.goto('/orders');
  await hydrated(page);
  await page.getByRole('link', { name: 'Amount' }).click();
  await expect(page).toHaveURL(/sort=amount_desc/);
  const amounts = (await rows(page).locator('td.num').allTextContents()).map((a) =>
    Number(a.replace(/[^\d]/g, '')),
  );
  expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
});

test('paginates forward and back', async ({ page }) => {
  await page.goto('/orders');
  await hydrated(page);
  const page1 = await firstRefs(page);
  await expect(page.getByText('← Previous')).toHaveAttribute('aria-disabled', 'true');
  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/after=/);
  await expect.poll(() => firstRefs(page)).not.toEqual(page1);
  const page2 = await firstRefs(page);
  expect(page2).toHaveLength(50);
  expect(page2.filter((r) => page1.includes(r))).toEqual([]);
  await page.getByRole('link', { name: 'Next →' }).click();
  await expect.poll(() => firstRefs(page)).not.toEqual(page2);
  await page.getByRole('link', { name: '← Previous' }).click();
  await expect(page).toHaveURL(/before=/);
  await expect.poll(() => firstRefs(page)).toEqual(page2);
  await page.getByRole('link', { name: '← Previous' }).click();
  await expect.poll(() => firstRefs(page)).toEqual(page1);
  await page.goBack();
  await expect.poll(() => firstRefs(page)).toEqual(page2);
});

test('opens an order and shows every field', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto('/orders');
  await hydrated(page);
  // A seeded order (the import and sandbox-payment tests add orders of their own).
  const seeded = rows(page).filter({ hasNotText: /DEMO-PAY-|E2E-IMP-/ }).first();
  const ref = (await seeded.locator('.ref-link').textContent())!.trim();
  await seeded.locator('.ref-link').click();
  await expect(page).toHaveURL(new RegExp(`/orders/${ref}$`));
  await expect(page.getByTestId('order-reference')).toHaveText(ref);
  for (const label of ['Amount', 'Amount sent to DANA', 'Paid at', 'DANA reference', 'Merchant ID', 'Name', 'Phone', 'Item', 'Came from', 'Order data last written by']) {
    await expect(page.locator('dt', { hasText: new RegExp(`^${label}$`) })).toBeVisible();
  }
  await expect(page.locator('dt', { hasText: /^Came from$/ }).locator('xpath=following-sibling::dd[1]')).toHaveText('Demo data');
  await expect(page.locator('dd.mono').first()).toHaveText(/^\d+\.\d{2} IDR$/);
  await expect(page.getByTestId('cancel-history')).toBeVisible();
  await page.screenshot({ path: 'screenshots/order-detail.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/order-detail-390.png', fullPage: true });
});

test('unknown order and unknown page answer 404', async ({ page }) => {
  const order = await page.goto('/orders/NO-SUCH-ORDER');
  expect(order?.status()).toBe(404);
  await expect(page.getByRole('alert')).toContainText('Order NO-SUCH-ORDER was not found');
  const other = await page.goto('/no-such-page');
  expect(other?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('a bad filter value answers 400 and names the field', async ({ page }) => {
  const response = await page.goto('/orders?status=SHIPPED');
  expect(response?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('status');
  await expect(page.getByRole('alert')).toContainText('SHIPPED');
});
