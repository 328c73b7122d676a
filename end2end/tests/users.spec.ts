import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

test('an admin adds a finance user, who signs in with the one-time password', async ({ page, browser }) => {
  await signIn(page, 'admin', '/users');
  await expect(page.getByRole('heading', { name: 'Staff' })).toBeVisible();
  const form = page.getByTestId('add-staff');
  await form.getByLabel('E-mail').fill('kasir.baru@e2e.test');
  await form.getByLabel('Role').selectOption('finance');
  await form.getByRole('button', { name: 'Add and make a password' }).click();
  const shown = page.getByTestId('password-value');
  await expect(shown).toBeVisible();
  const password = (await shown.textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
  const row = page.locator('[data-testid="staff-row"][data-email="kasir.baru@e2e.test"]');
  await expect(row).toContainText('Never');
  await expect(row).toContainText('Active');

  const other = await browser.newPage();
  await other.goto('/login');
  await hydrated(other);
  await other.getByLabel('E-mail').fill('kasir.baru@e2e.test');
  await other.getByLabel('Password').fill(password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  // A password an admin made is for the first sign-in only: the person chooses their own first.
  await expect(other).toHaveURL(/\/account\/password/);
  await hydrated(other);
  await expect(other.getByRole('heading', { name: 'Choose your own password' })).toBeVisible();
  const refused = await other.goto('/orders');
  expect(refused?.url()).toMatch(/\/account\/password/);
  await hydrated(other);
  await other.getByLabel('Current password').fill(password);
  await other.getByLabel('New password', { exact: true }).fill('kasir-baru-punya-sandi');
  await other.getByLabel('New password again').fill('kasir-baru-punya-sandi');
  await other.getByRole('button', { name: 'Save my password' }).click();
  await expect(other).toHaveURL(/\/orders/);
  await expect(other.getByTestId('signed-in')).toContainText('kasir.baru@e2e.test');
  await expect(other.getByTestId('signed-in')).toContainText('Finance');
  // Finance has no staff page: told so, and the server answers 403.
  const response = await other.goto('/users');
  expect(response?.status()).toBe(403);
  await expect(other.getByTestId('admins-only')).toContainText('This page is for admins');
  await other.close();

  // The admin sees the sign-in and can end it.
  await page.reload();
  await hydrated(page);
  await expect(row).not.toContainText('Never');
  await row.getByRole('button', { name: 'End sessions' }).click();
  await expect(page.getByTestId('staff-message')).toContainText('1 session(s) ended');
});

test('the last admin cannot disable their own account', async ({ page }) => {
  await signIn(page, 'admin', '/users');
  const row = page.locator('[data-testid="staff-row"][data-email="admin@e2e.test"]');
  // Buttons the server rendered disabled ("End sessions" with none open, as for an account just
  // added) stay so after a refusal.
  await page.getByTestId('add-staff').getByLabel('E-mail').fill('tanpa.sesi@e2e.test');
  await page.getByRole('button', { name: 'Add and make a password' }).click();
  await expect(page.getByTestId('password-value')).toBeVisible();
  const disabled = page.locator('[data-testid="staff-row"] button[disabled]');
  const before = await disabled.count();
  expect(before).toBeGreaterThan(0);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByTestId('staff-message')).toContainText('last active admin');
  await expect(row).toContainText('Active');
  await expect(row.getByRole('button', { name: 'Disable' })).toBeEnabled();
  await expect(disabled).toHaveCount(before);
});
