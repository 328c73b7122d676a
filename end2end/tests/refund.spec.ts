import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

async function reviewRefund(page: Page, amount: string | null, reason: string) {
  const panel = page.getByTestId('refund-panel');
  if (amount !== null) await panel.getByLabel('Amount in rupiah').fill(amount);
  await panel.getByLabel('Reason for the refund (required, sent to DANA)').fill(reason);
  await panel.getByRole('button', { name: 'Review refund' }).click();
  return panel.getByTestId('refund-confirm');
}

test('after DANA says the cancel window passed, finance refunds from the order page', async ({ page }) => {
  await signIn(page, 'finance', '/orders/4035700');
  await hydrated(page);
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByLabel('Reason (required, sent to DANA)').fill('Customer asked to cancel');
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  const cancelled = page.locator('.just-done [data-testid="cancel-outcome"]');
  await expect(cancelled).toHaveAttribute('data-code', '4035700');
  await expect(cancelled).toContainText('Not cancelled');
  // The refund is offered at once, for the whole amount.
  await expect(page.getByTestId('refund-offer')).toBeVisible();
  await expect(page.getByTestId('refund-offer')).toContainText('cancel window has passed');
  const confirm = await reviewRefund(page, null, 'Cancel window passed');
  await expect(confirm).toContainText('of order 4035700');
  await expect(confirm).toContainText('Afterwards Rp 0,00 remains refundable');
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.screenshot({ path: 'screenshots/refund-confirm.png', fullPage: true });
  await page.getByRole('button', { name: 'Confirm refund' }).click();
  const refunded = page.locator('.just-done [data-testid="refund-outcome"]');
  await expect(refunded).toHaveAttribute('data-code', '2005800');
  await expect(refunded).toContainText('Refunded by DANA');
  await expect(page.locator('.head-amount .badge')).toHaveText('Refunded');
  await expect(page.getByTestId('refund-history').getByTestId('refund-item')).toHaveCount(1);
  await expect(page.getByTestId('refund-panel')).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/refund-done.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/refund-done-390.png', fullPage: true });
});

test('a partial refund says what remains, and the rest cannot be passed', async ({ page }) => {
  await signIn(page, 'finance', '/orders?status=PAID&sort=amount_desc');
  const row = page.locator('[data-testid="orders-table"] tbody tr').nth(5);
  const ref = (await row.locator('.ref-link').textContent())!.trim();
  await row.locator('.ref-link').click();
  await expect(page.getByTestId('order-reference')).toHaveText(ref);
  await hydrated(page);
  await page.getByRole('button', { name: 'Refund…' }).click();
  const confirm = await reviewRefund(page, '10.000', 'One item returned');
  await expect(confirm).toContainText('Refund Rp 10.000,00 of order');
  // The step is read first: the focus is on its heading, not on its button.
  await expect(page.getByRole('heading', { name: 'Confirm the refund' })).toBeFocused();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/refund-confirm-390.png', fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.getByRole('button', { name: 'Confirm refund' }).click();
  await expect(page.locator('.just-done [data-testid="refund-outcome"]')).toHaveAttribute('data-code', '2005800');
  await expect(page.locator('.head-amount .badge')).toHaveText('Partially refunded');
  await expect(page.getByTestId('refund-totals')).toContainText('Refunded Rp 10.000,00');
  // More than what remains is refused at the review, before anything is sent; so is an amount
  // that is not one, and the form keeps what was typed.
  await page.getByRole('button', { name: 'Refund…' }).click();
  const panel = page.getByTestId('refund-panel');
  await expect(panel.getByLabel('Amount in rupiah')).toBeFocused();
  await reviewRefund(page, '999.999.999', 'Too much');
  await expect(panel.getByRole('alert')).toContainText('more than what remains refundable');
  await expect(panel.getByTestId('refund-confirm')).toHaveCount(0);
  await expect(panel.getByLabel('Amount in rupiah')).toHaveValue('999.999.999');
  await reviewRefund(page, '10,5,5', 'Typo');
  await expect(panel.getByRole('alert')).toContainText('type the amount in rupiah');
  await page.screenshot({ path: 'screenshots/refund-partial.png', fullPage: true });
  // Back from the confirm step keeps the amount and reason; a fixed amount then goes through.
  const again = await reviewRefund(page, '5.000', 'Second item returned');
  await expect(again).toContainText('Refund Rp 5.000,00 of order');
  await expect(panel.getByRole('alert')).toBeHidden();
  await panel.getByRole('button', { name: 'Back' }).click();
  await expect(panel.getByLabel('Amount in rupiah')).toHaveValue('5.000');
  await expect(panel.getByLabel('Amount in rupiah')).toBeFocused();
  await panel.getByRole('button', { name: 'Review refund' }).click();
  await expect(panel.getByTestId('refund-confirm')).toContainText('Refund Rp 5.000,00 of order');
  await page.getByRole('button', { name: 'Confirm refund' }).click();
  await expect(page.getByTestId('refund-totals')).toContainText('Refunded Rp 15.000,00');
});
