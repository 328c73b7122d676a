import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { signIn } from './helpers';

// The queue is live in the browser (its forms are sent by the page's island, not posted).
async function queueLive(page: Page) {
  await expect(page.locator('#pending-region[data-live="true"] [data-testid="pending-table"]')).toBeAttached();
}

// Cancels an order as finance and waits for DANA's (non-final) answer.
async function cancelAsFinance(page: Page, reference: string, code: string) {
  await signIn(page, 'finance', `/orders/${reference}`);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByLabel('Reason (required, sent to DANA)').fill('Customer asked at the counter');
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  const outcome = page.locator('.just-done').getByTestId('cancel-outcome');
  await expect(outcome).toHaveAttribute('data-code', code, { timeout: 15_000 });
  await expect(outcome).toContainText('Not settled yet');
}

test('operations sees a cancel whose answer was lost, checks its status with DANA, and sees it settle', async ({ browser }) => {
  const finance = await browser.newPage();
  // The sandbox cancels SANDBOX-LOST but holds its answer past our timeout.
  await cancelAsFinance(finance, 'SANDBOX-LOST', 'TIMEOUT');
  await expect(finance.locator('.just-done').getByTestId('cancel-outcome')).toContainText('next try');
  await finance.close();

  const page = await browser.newPage();
  await signIn(page, 'operations', '/pending');
  await expect(page.getByTestId('nav-pending')).toBeVisible();
  const row = page.locator('[data-testid="pending-row"][data-reference="SANDBOX-LOST"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText('TIMEOUT');
  await expect(row).toContainText('Waiting');
  await expect(row).toContainText('Next try');
  await queueLive(page);
  await page.screenshot({ path: 'test-results/pending-queue.png', fullPage: true });

  await row.getByRole('button', { name: 'Check status with DANA' }).click();
  const message = page.getByTestId('queue-message');
  await expect(message).toContainText('SANDBOX-LOST');
  await expect(message).toContainText('DANA says cancelled (05)');
  await expect(row).toHaveCount(0);

  // The order page agrees, without a second cancel sent.
  await page.goto('/orders/SANDBOX-LOST');
  await expect(page.locator('.head-amount')).toContainText('Cancelled');
});

test('resolving by hand needs a note and a supervisor, and then settles the cancel', async ({ browser }) => {
  const finance = await browser.newPage();
  await cancelAsFinance(finance, '5005701', '5005701');
  await finance.close();

  // A colleague keeps the queue open; it must see the cancel go without reloading.
  const watcher = await browser.newPage();
  await signIn(watcher, 'operations', '/pending');
  const watched = watcher.locator('[data-testid="pending-row"][data-reference="5005701"]');
  await expect(watched).toBeVisible();

  const page = await browser.newPage();
  await signIn(page, 'operations', '/pending?state=waiting');
  const row = page.locator('[data-testid="pending-row"][data-reference="5005701"]');
  await expect(row).toBeVisible();
  await queueLive(page);
  // A disclosure (`<details>`): its summary opens the form.
  await row.locator('summary', { hasText: 'Resolve by hand…' }).click();
  await row.getByLabel('Not cancelled: the order stays paid').check();
  await row.getByRole('button', { name: 'Ask for approval' }).click();
  const message = page.getByTestId('queue-message');
  // Said once, in the form: one alert, not a second one in the page's message line.
  await expect(row.getByRole('alert')).toContainText('Note: a note is required');
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(message).toHaveCount(0);
  await expect(row).toBeVisible();
  await page.screenshot({ path: 'test-results/pending-resolve-refused.png', fullPage: true });

  await row.getByLabel('Note (required): how was this confirmed?').fill('DANA support ticket 8812: payment still paid');
  await row.getByRole('button', { name: 'Ask for approval' }).click();
  await expect(message).toContainText('Sent for approval');
  // Nothing is settled until a second person approves; the row says what waits.
  await expect(row).toBeVisible();
  await expect(row.getByTestId('pending-approval')).toContainText('Settling as “not cancelled” waits for approval');

  const supervisor = await browser.newPage();
  await signIn(supervisor, 'supervisor', '/approvals');
  const card = supervisor.locator('[data-testid="approval-card"][data-reference="5005701"]');
  await expect(card).toContainText('DANA support ticket 8812: payment still paid');
  await expect(card).toContainText('not cancelled');
  await card.getByRole('button', { name: 'Approve request' }).click();
  await expect(supervisor.getByTestId('approval-message')).toContainText('the order is now cancel failed');
  await supervisor.close();

  await page.reload();
  await expect(page.locator('[data-testid="pending-row"][data-reference="5005701"]')).toHaveCount(0);
  // The open queue refreshes itself (every 5 s).
  await expect(watched).toHaveCount(0, { timeout: 12_000 });
});

test('finance has no pending queue and is refused at the door', async ({ page }) => {
  await signIn(page, 'finance', '/orders');
  await expect(page.getByTestId('nav-pending')).toHaveCount(0);
  const response = await page.goto('/pending');
  expect(response?.status()).toBe(403);
});
