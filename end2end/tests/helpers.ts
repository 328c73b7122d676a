import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'e2e-password-kopi-42';

// Every page, as the look and language specs visit them (seeded orders: scripts/e2e-server.sh).
export const PAGES: { name: string; path: string }[] = [
  { name: 'orders', path: '/orders' },
  { name: 'orders-filtered', path: '/orders?status=CANCEL_FAILED' },
  { name: 'order', path: '/orders/4035705' },
  { name: 'order-paid', path: '/orders/4045701' },
  { name: 'pending', path: '/pending' },
  { name: 'audit', path: '/audit' },
  { name: 'codes', path: '/codes' },
  { name: 'import', path: '/orders/import' },
  { name: 'users', path: '/users' },
  { name: 'approvals', path: '/approvals' },
  { name: 'password', path: '/account/password' },
  { name: 'not-found', path: '/orders/NO-SUCH-ORDER' },
];

// The browser app has taken over the server-rendered page, the page's own lazily loaded code
// included (every island counts itself in: components/island.rs).
export async function hydrated(page: Page) {
  await expect(page.locator('.app[data-hydrated="true"]')).toBeAttached();
}

/// Signs in through the sign-in page as the e2e account of `role`, landing on `next`.
export async function signIn(page: Page, role: 'finance' | 'operations' | 'supervisor' | 'admin', next = '/orders') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  // By test id: the sign-in page may be in either language.
  await page.getByTestId('login-email').fill(`${role}@e2e.test`);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('signed-in')).toContainText(`${role}@e2e.test`);
  // The server redirects the signed-in person to the next page, a new page load.
  await expect(page.getByTestId('login-submit')).toHaveCount(0);
  await hydrated(page);
}
