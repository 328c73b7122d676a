import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

// Four-eyes approval in the browser: finance asks to cancel a large order, a supervisor
// approves it on /approvals, and finance reads DANA's answer on the order page.

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = results.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}) ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  expect(found, found.join('\n')).toEqual([]);
}

test('finance asks, a supervisor approves, finance sees what DANA answered', async ({ browser }) => {
  const financeContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const finance = await financeContext.newPage();
  // The most expensive paid order (a laptop of the seeded shop data: above Rp 5.000.000).
  await signIn(finance, 'finance', '/orders?status=PAID&sort=amount_desc');
  const first = finance.locator('[data-testid="orders-table"] tbody tr').first();
  const reference = (await first.locator('.ref-link').textContent())!.trim();
  await first.locator('.ref-link').click();
  await expect(finance.getByTestId('order-reference')).toHaveText(reference);
  await hydrated(finance);
  await finance.getByRole('button', { name: 'Cancel order' }).click();
  await finance.getByLabel('Reason (required, sent to DANA)').fill('Laptop returned unopened');
  await finance.getByRole('button', { name: 'Confirm cancel' }).click();
  const waiting = finance.getByTestId('approval-waiting');
  await expect(waiting).toContainText('Waiting for approval by a supervisor');
  await expect(waiting).toContainText('Nothing has been sent to DANA yet');
  await expect(waiting).toContainText('Laptop returned unopened');
  await expect(finance.getByTestId('cancel-panel')).toHaveCount(0);
  await expect(finance.locator('.head-amount .badge')).toHaveText('Paid');
  await finance.screenshot({ path: 'screenshots/approval-waiting.png', fullPage: true });

  const supervisorContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const supervisor = await supervisorContext.newPage();
  await signIn(supervisor, 'supervisor', '/approvals');
  await expect(supervisor.getByTestId('approvals-count')).toBeVisible();
  const card = supervisor.locator(`[data-testid="approval-card"][data-reference="${reference}"]`);
  await expect(card).toContainText('finance@e2e.test');
  await expect(card).toContainText('Laptop returned unopened');
  await expectNoViolations(supervisor, '/approvals with a waiting request');
  await supervisor.screenshot({ path: 'screenshots/look/approvals-waiting-1366-light.png', fullPage: true });
  await supervisor.setViewportSize({ width: 390, height: 844 });
  expect(await supervisor.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await supervisor.screenshot({ path: 'screenshots/look/approvals-waiting-390-light.png', fullPage: true });
  await supervisorContext.addCookies([{ name: 'cd_theme', value: 'dark', url: test.info().project.use.baseURL! }]);
  await supervisor.reload();
  await hydrated(supervisor);
  await expectNoViolations(supervisor, '/approvals at 390 px (dark)');
  await supervisor.screenshot({ path: 'screenshots/look/approvals-waiting-390-dark.png', fullPage: true });
  await supervisor.setViewportSize({ width: 1366, height: 900 });
  await supervisor.screenshot({ path: 'screenshots/look/approvals-waiting-1366-dark.png', fullPage: true });

  await card.getByRole('button', { name: `Approve request` }).click();
  const message = supervisor.getByTestId('approval-message');
  await expect(message).toContainText('Approved and sent. DANA answered 2005700');
  await expect(supervisor.getByTestId('approvals-decided')).toContainText(reference);
  await expect(card).toHaveCount(0);

  await finance.reload();
  await hydrated(finance);
  await expect(finance.getByTestId('approval-waiting')).toHaveCount(0);
  await expect(finance.locator('.head-amount .badge')).toHaveText('Cancelled');
  const history = finance.getByTestId('cancel-history');
  await expect(history.getByTestId('cancel-outcome')).toHaveAttribute('data-code', '2005700');
  await expect(history).toContainText('finance@e2e.test');
  await financeContext.close();
  await supervisorContext.close();
});

test('nobody approves their own request, and a rejection tells the requester why', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, 'admin', '/orders?status=PAID&sort=amount_desc');
  const row = admin.locator('[data-testid="orders-table"] tbody tr').nth(1);
  const reference = (await row.locator('.ref-link').textContent())!.trim();
  await row.locator('.ref-link').click();
  await hydrated(admin);
  await admin.getByRole('button', { name: 'Cancel order' }).click();
  await admin.getByLabel('Reason (required, sent to DANA)').fill('Duplicate order');
  await admin.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(admin.getByTestId('approval-waiting')).toBeVisible();
  await admin.goto('/approvals');
  await hydrated(admin);
  const own = admin.locator(`[data-testid="approval-card"][data-reference="${reference}"]`);
  await expect(own.getByTestId('own-request')).toBeVisible();
  await expect(own.getByRole('button', { name: 'Approve request' })).toHaveCount(0);

  const supervisorContext = await browser.newContext();
  const supervisor = await supervisorContext.newPage();
  await signIn(supervisor, 'supervisor', '/approvals');
  const card = supervisor.locator(`[data-testid="approval-card"][data-reference="${reference}"]`);
  await card.getByLabel('Why reject (required)').fill('Not a duplicate: two different laptops');
  await card.getByRole('button', { name: 'Reject' }).click();
  await expect(supervisor.getByTestId('approval-message')).toContainText('Rejected');
  await admin.goto(`/orders/${reference}`);
  await hydrated(admin);
  const closed = admin.getByTestId('approval-closed');
  await expect(closed).toContainText('Rejected by supervisor@e2e.test');
  await expect(closed).toContainText('Not a duplicate: two different laptops');
  await expect(admin.getByRole('button', { name: 'Cancel order' })).toBeVisible();
  await adminContext.close();
  await supervisorContext.close();
});
