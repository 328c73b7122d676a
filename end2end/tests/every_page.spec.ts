import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

// Every page, for every role, with the queue holding a waiting cancel and one that needs a
// person: the server and the browser must render the same markup (a difference panics during
// hydration and leaves the page dead to clicks; the fixture fails the test on it).

type Role = 'finance' | 'operations' | 'supervisor' | 'admin';
const ROLES: Role[] = ['finance', 'operations', 'supervisor', 'admin'];

async function cancel(page: Page, reference: string) {
  await page.goto(`/orders/${reference}`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByLabel('Reason (required, sent to DANA)').fill('Every-page check');
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(page.locator('.just-done [data-testid="cancel-outcome"]')).toContainText('Not settled yet', {
    timeout: 15_000,
  });
}

test.describe.configure({ mode: 'serial' });

test('the queue holds a waiting cancel and one that needs a person', async ({ browser }) => {
  const finance = await browser.newPage();
  await signIn(finance, 'finance');
  await cancel(finance, '4295700'); // rate limited: waits for its next try
  await cancel(finance, 'SANDBOX-EMPTY-BODY'); // unreadable answers: unknown outcome
  await finance.close();

  // Two more unreadable answers (after DANA's status says still paid) make three: a person must look.
  const ops = await browser.newPage();
  await signIn(ops, 'operations', '/pending');
  await expect(ops.locator('#pending-region[data-live="true"] [data-testid="pending-table"]')).toBeAttached();
  const row = ops.locator('[data-testid="pending-row"][data-reference="SANDBOX-EMPTY-BODY"]');
  for (let i = 0; i < 2; i++) {
    await row.getByRole('button', { name: 'Retry now' }).click();
    await expect(ops.getByTestId('queue-message')).toContainText('SANDBOX-EMPTY-BODY', { timeout: 15_000 });
  }
  await expect(row).toContainText('Needs attention');
  await expect(ops.locator('[data-testid="pending-row"][data-reference="4295700"]')).toContainText('Waiting');
  // The navigation counts it (refreshed every 15 s, and at once on a new page).
  await ops.reload();
  await expect(ops.getByTestId('attention-count')).toHaveText('1');
  await ops.close();
});

for (const role of ROLES) {
  test(`every page hydrates cleanly for ${role}`, async ({ page }) => {
    await signIn(page, role);
    const paths = ['/orders', '/orders?status=CANCEL_PENDING', '/orders/4295700', '/orders/SANDBOX-EMPTY-BODY', '/pending', '/audit', '/codes', '/orders/NO-SUCH-ORDER'];
    for (const path of paths) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.getByTestId('sandbox-banner')).toBeVisible();
      // Links work after hydration: the page is alive.
      await page.getByRole('link', { name: 'Response codes' }).click();
      await expect(page).toHaveURL(/\/codes$/);
    }
    // Client-side navigation between pages renders without panics too.
    await page.goto('/orders');
    await hydrated(page);
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    if (role === 'operations' || role === 'admin') {
      await page.getByTestId('nav-pending').click();
      await expect(page.locator('[data-testid="pending-row"]').first()).toBeVisible();
    }
    if (role === 'supervisor' || role === 'admin') {
      await page.getByRole('link', { name: 'Audit log' }).click();
      await expect(page).toHaveURL(/\/audit$/);
    }
  });
}

test('the sign-in page shows the sandbox banner and nothing panics', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await expect(page.getByTestId('sandbox-banner')).toContainText('cancels are not sent to DANA');
});
