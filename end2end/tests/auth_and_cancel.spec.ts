import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { PASSWORD, hydrated, signIn } from './helpers';

const rows = (page: Page) => page.locator('[data-testid="orders-table"] tbody tr');

async function cancelWithReason(page: Page, reason: string) {
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await expect(page.getByText('Confirm the cancel')).toBeVisible();
  await page.getByLabel('Reason (required, sent to DANA)').fill(reason);
  await expect(page.getByText(`${reason.length}/256`)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  return page.locator('.just-done [data-testid="cancel-outcome"]');
}

test('pages ask to sign in first, and a wrong password is refused', async ({ page }) => {
  await page.goto('/orders?status=PAID');
  await expect(page).toHaveURL(/\/login\?next=%2Forders%3Fstatus%3DPAID/);
  await hydrated(page);
  await page.getByLabel('E-mail').fill('finance@e2e.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/orders\?status=PAID$/);
  await expect(page.getByTestId('signed-in')).toContainText('Finance');
});

test('finance cancels an order with a reason and sees DANA confirm it', async ({ page }) => {
  // A large order below the approval threshold (Rp 5.000.000): the most expensive ones wait for a
  // second person (approvals.spec.ts).
  await signIn(page, 'finance', '/orders?status=PAID&sort=amount_desc');
  // After sign-in the orders page may still be on its way (the redirect loads it anew).
  await expect(rows(page).first()).toBeVisible();
  const amounts = await rows(page).locator('.col-amount').allTextContents();
  const rupiah = (text: string) => Number(text.replace(/[^\d,]/g, '').split(',')[0]);
  const index = amounts.findIndex((a) => rupiah(a) < 5_000_000) + 3;
  const ref = (await rows(page).nth(index).locator('.ref-link').textContent())!.trim();
  await rows(page).nth(index).locator('.ref-link').click();
  await expect(page.getByTestId('order-reference')).toHaveText(ref);
  await hydrated(page);
  const outcome = await cancelWithReason(page, 'Customer asked to cancel at the counter');
  await expect(outcome).toHaveAttribute('data-code', '2005700');
  await expect(outcome).toContainText('Cancelled at DANA');
  await expect(outcome).toContainText('DANA cancelled the order');
  await expect(page.locator('.head-amount .badge')).toHaveText('Cancelled');
  const history = page.getByTestId('cancel-history');
  await expect(history).toContainText('finance@e2e.test');
  await expect(history).toContainText('Customer asked to cancel at the counter');
  await expect(history.locator('.attempts tbody tr')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/cancel-success.png', fullPage: true });
});

test('a refused cancel explains why and what to do', async ({ page }) => {
  await signIn(page, 'finance', '/orders/4035705');
  const outcome = await cancelWithReason(page, 'Duplicate payment');
  await expect(outcome).toHaveAttribute('data-code', '4035705');
  await expect(outcome).toContainText('Not cancelled');
  await expect(outcome).toContainText('Do Not Honor');
  await expect(outcome).toContainText('contact DANA');
  await expect(outcome).toContainText('Next step: Contact DANA');
  await expect(page.locator('.head-amount .badge')).toHaveText('Cancel failed');
  await page.screenshot({ path: 'screenshots/cancel-failed.png', fullPage: true });
});

test('insufficient funds goes on the periodic schedule, visible to operations', async ({ page }) => {
  await signIn(page, 'finance', '/orders/4035714');
  const outcome = await cancelWithReason(page, 'Duplicate payment');
  await expect(outcome).toHaveAttribute('data-code', '4035714');
  await expect(outcome).toContainText('Cancel failed — retrying periodically');
  await expect(outcome).toContainText('Insufficient Funds');
  await expect(outcome).toContainText('top up the balance');
  await expect(outcome).toContainText('Cancel Desk sends it again periodically');
  await expect(page.locator('.head-amount .badge')).toHaveText('Cancel failed — retrying periodically');
  await page.screenshot({ path: 'screenshots/cancel-retrying.png', fullPage: true });
});

test('a pending answer says the cancel is not settled yet', async ({ page }) => {
  await signIn(page, 'admin', '/orders/2025700');
  const outcome = await cancelWithReason(page, 'Customer request');
  await expect(outcome).toHaveAttribute('data-code', '2025700');
  await expect(outcome).toContainText('Not settled yet');
  await expect(outcome).toContainText('DANA is still processing the cancel');
  await expect(page.locator('.head-amount .badge')).toHaveText('Cancel pending');
});

test('operations can look but not cancel', async ({ page }) => {
  await signIn(page, 'operations', '/orders/4045701');
  await expect(page.getByTestId('order-reference')).toHaveText('4045701');
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  // The server refuses too, whatever the page shows.
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/orders/cancel', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'partner_reference_no=4045701&reason=sneaky',
    });
    return r.status;
  });
  expect(status).toBe(403);
});

test('the response codes page lists every answer', async ({ page }) => {
  await signIn(page, 'supervisor', '/codes');
  await expect(page.getByTestId('codes-table').locator('tbody tr')).toHaveCount(18);
  await expect(page.getByText('Transaction Expired')).toBeVisible();
  await page.screenshot({ path: 'screenshots/codes.png', fullPage: true });
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'supervisor');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/orders');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('a supervisor finds the cancel in the audit log and downloads it as CSV', async ({ page }) => {
  // The earlier test in this file cancelled 4035714 as finance.
  await signIn(page, 'supervisor', '/audit?order=4035714');
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  await expect(page.getByTestId('audit-table')).toContainText('dana.attempt');
  await expect(page.getByTestId('audit-table')).toContainText('Insufficient Funds');
  await expect(page.getByTestId('audit-table')).toContainText('finance@e2e.test');
  const attempt = rows.filter({ hasText: 'dana.attempt' }).first();
  await attempt.getByText('Details').click();
  await expect(attempt.locator('.details-json')).toContainText('X-SIGNATURE');
  await page.screenshot({ path: 'screenshots/audit.png', fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toBe('cancel-desk-audit.csv');
  const text = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toBe('id,occurred_at_wib,actor,action,outcome,order_ref,response_code,details,hash');
  expect(text).toContain('dana.attempt');
  expect(text).toContain('4035714');
});

test('finance has no audit log in the navigation and is refused at the door', async ({ page }) => {
  await signIn(page, 'finance');
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  const response = await page.goto('/audit');
  expect(response?.status()).toBe(403);
});
