import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'e2e-password-kopi-42';

// The browser app has taken over the server-rendered page (set by an Effect).
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
  await hydrated(page);
}
