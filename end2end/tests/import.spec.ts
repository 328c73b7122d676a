import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

// A file as a shop system exports it: good rows, a bad amount, a missing reference, a repeat.
function csvFile(stamp: string): string {
  const header = 'partner_reference_no,merchant_id,amount,paid_at,customer_name,customer_phone,item_description';
  const row = (ref: string, amount: string, name: string) =>
    `${ref},216620000000000000000,${amount},2026-11-24T10:00:00+07:00,"${name}",0811-2345-6789,Pulsa 50rb`;
  return [
    header,
    row(`E2E-IMP-${stamp}-1`, '150000.00', 'Rahmat Hidayat'),
    row(`E2E-IMP-${stamp}-2`, '15000', 'Sri Wahyuni'),
    row('', '1.00', 'Tanpa Referensi'),
    row(`E2E-IMP-${stamp}-1`, '150000.00', 'Rahmat Hidayat'),
    row(`E2E-IMP-${stamp}-3`, '99000.00', 'Agus Salim'),
  ].join('\n') + '\n';
}

test('an admin uploads a CSV, sees the preview and the problems, imports, and finds an order', async ({ page }) => {
  await signIn(page, 'admin', '/orders/import');
  await page.setViewportSize({ width: 1366, height: 900 });
  await expect(page.getByRole('heading', { name: 'Import orders' })).toBeVisible();
  const stamp = String(Date.now());
  await page.getByTestId('import-file').setInputFiles({
    name: 'shop-orders.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csvFile(stamp)),
  });
  await page.getByTestId('import-check').click();
  await expect(page).toHaveURL(/\/orders\/import\?upload=[0-9a-f]{32}$/);
  await hydrated(page);
  await expect(page.getByTestId('import-file-line')).toContainText('shop-orders.csv');
  await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(5);
  const issues = page.getByTestId('import-issues').locator('tbody tr');
  await expect(issues).toHaveCount(3);
  await expect(issues.nth(0)).toContainText('amount');
  await expect(issues.nth(1)).toContainText('partner_reference_no');
  await expect(issues.nth(2)).toContainText('repeats line 2');
  const download = page.getByTestId('import-errors-download');
  await expect(download).toHaveAttribute('href', /errors\.csv$/);
  const errors = await page.request.get((await download.getAttribute('href'))!);
  expect(errors.status()).toBe(200);
  expect(await errors.text()).toContain('line,column,reason');
  await page.screenshot({ path: 'screenshots/import-check.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/import-check-390.png', fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });

  // Nothing was written by the check.
  await page.goto(`/orders?q=E2E-IMP-${stamp}-1`);
  await expect(page.locator('[data-testid="orders-table"] tbody tr .ref-link')).toHaveCount(0);
  await page.goBack();
  await hydrated(page);

  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-done')).toContainText('2 new');
  await page.screenshot({ path: 'screenshots/import-done.png', fullPage: true });
  await page.getByTestId('import-first-order').click();
  await expect(page).toHaveURL(new RegExp(`/orders/E2E-IMP-${stamp}-1$`));
  await expect(page.getByText('CSV import').first()).toBeVisible();
  await expect(page.locator('dd').filter({ hasText: 'Rahmat Hidayat' }).first()).toBeVisible();
});

test('a finance user has no import page', async ({ page }) => {
  await signIn(page, 'finance');
  await expect(page.getByTestId('nav-import')).toHaveCount(0);
  await page.goto('/orders/import');
  await hydrated(page);
  await expect(page.getByTestId('import-not-allowed')).toBeVisible();
  await expect(page.getByTestId('import-file')).toHaveCount(0);
  // And the server refuses the upload itself, whatever the page shows.
  const response = await page.request.post('/orders/import/upload', {
    multipart: { file: { name: 'x.csv', mimeType: 'text/csv', buffer: Buffer.from('a\n') } },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(response.status()).toBe(403);
});

test('in the sandbox an admin has DANA pay a new order, which arrives by Finish Notify', async ({ page }) => {
  await signIn(page, 'admin', '/orders/import');
  await page.getByTestId('sandbox-pay-button').click();
  const paid = page.getByTestId('sandbox-paid');
  await expect(paid).toContainText('2005600 Successful');
  await page.screenshot({ path: 'screenshots/import-sandbox-pay.png', fullPage: true });
  await paid.getByRole('link', { name: 'Open the order' }).click();
  await expect(page.getByText('DANA payment notification').first()).toBeVisible();
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.screenshot({ path: 'screenshots/order-from-notify.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/order-from-notify-390.png', fullPage: true });
});
