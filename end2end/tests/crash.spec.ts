import { expect, test } from './fixtures';
import { hydrated, signIn } from './helpers';

// A page's wasm file is gone (a deploy replaced the release the tab was opened with): loading it
// panics and the browser app stops. The person gets a notice with a reload link, not a page
// whose buttons silently stopped answering.
// The password page's form, a lazily loaded island.
const FORM_FILE = /\/pkg\/split_password_form_loader_/;

test.use({ expectedProblems: [/panicked|unreachable|RuntimeError|load callback/i] });

for (const width of [1366, 390]) {
  test(`a page whose wasm file is gone offers a reload, and the reload works (${width} px)`, async ({
    page,
    expectedSeen,
  }) => {
    await page.setViewportSize({ width, height: 844 });
    await signIn(page, 'finance');
    await page.route(FORM_FILE, (route) => route.fulfill({ status: 404, body: 'gone' }));
    // The top bar's link to the password page (in the menu on a phone).
    if (width < 700) await page.getByTestId('menu-button').click();
    await page.getByTestId('nav-password').click();
    const notice = page.getByTestId('crash-notice');
    await expect(notice).toBeVisible();
    await expect(notice).toHaveAttribute('role', 'alert');
    await expect(notice).toContainText('This page stopped working.');
    expect(expectedSeen.join('\n')).toMatch(/panicked/);
    await page.screenshot({ path: `screenshots/look/crash-notice-${width}.png` });

    await page.unroute(FORM_FILE);
    await notice.getByRole('link', { name: 'Reload the page' }).click();
    await hydrated(page);
    await expect(page.getByTestId('crash-notice')).toHaveCount(0);
    // The new page loads the file it could not before.
    await page.goto('/account/password');
    await hydrated(page);
    await expect(page.getByRole('button', { name: 'Save my password' })).toBeEnabled();
  });
}
