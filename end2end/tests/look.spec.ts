import AxeBuilder from '@axe-core/playwright';
import { type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { PAGES, PASSWORD, hydrated, signIn } from './helpers';

// How every page looks and reads: WCAG 2.2 A/AA (axe-core) in both themes, nothing wider than a
// phone at 390 px, the theme switch, the phone menu, and a cancel done with the keyboard alone.
// Screenshots of every page (light and dark, desktop and phone) go to screenshots/look/.

const THEMES = ['light', 'dark'] as const;
const LANGUAGES = ['en', 'id'] as const;
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

async function chooseTheme(context: BrowserContext, theme: (typeof THEMES)[number]) {
  await context.addCookies([{ name: 'cd_theme', value: theme, url: test.info().project.use.baseURL! }]);
}

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = results.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}) ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`,
  );
  expect(found, found.join('\n')).toEqual([]);
}

test.describe.configure({ mode: 'serial' });

for (const theme of THEMES) {
  for (const language of LANGUAGES) {
  test(`every page passes WCAG 2.2 AA checks in the ${theme} theme, in ${language}`, async ({ page, context }) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width: 1366, height: 768 });
    await chooseTheme(context, theme);
    await context.addCookies([{ name: 'i18n_pref_locale', value: language, url: test.info().project.use.baseURL! }]);
    const suffix = language === 'en' ? '' : `-${language}`;
    await page.goto('/login');
    await hydrated(page);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await expect(page.locator('html')).toHaveAttribute('lang', language);
    await expectNoViolations(page, `/login (${theme}, ${language})`);
    await signIn(page, 'admin');
    for (const { name, path } of PAGES) {
      await page.goto(path);
      await hydrated(page);
      await expectNoViolations(page, `${path} (${theme}, ${language})`);
      await page.screenshot({ path: `screenshots/look/${name}-1366-${theme}${suffix}.png`, fullPage: true });
    }
  });
  }

  test(`no page is wider than a 390 px phone in the ${theme} theme`, async ({ browser }) => {
    // Twelve pages, each checked by axe: more than the default 30 s on a busy 2-core machine.
    test.setTimeout(90_000);
    // A context of its own (axe needs one); the fixture watches its pages for errors and panics.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await chooseTheme(context, theme);
    const page = await context.newPage();
    await page.goto('/login');
    await hydrated(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await signIn(page, 'admin');
    for (const { name, path } of PAGES) {
      await page.goto(path);
      await hydrated(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${path} is ${width} px wide`).toBeLessThanOrEqual(390);
      await expectNoViolations(page, `${path} at 390 px (${theme})`);
      await page.screenshot({ path: `screenshots/look/${name}-390-${theme}.png`, fullPage: true });
    }
    await context.close();
  });
}

test('the device setting picks dark when no theme was chosen', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await signIn(page, 'finance');
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.*/);
  const background = await page.evaluate(() => getComputedStyle(document.body.parentElement!).backgroundColor);
  expect(background).toBe('rgb(14, 22, 33)');
  await expectNoViolations(page, '/orders (device dark)');
});

test('the theme switch changes the page at once and is kept on the next visit', async ({ page }) => {
  await signIn(page, 'finance');
  const html = page.locator('html');
  const button = page.getByTestId('theme-switch');
  await expect(button).toHaveText(/Theme: Auto/);
  await button.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(button).toHaveText(/Theme: Dark/);
  // The browser keeps the choice in a cookie the server reads.
  await expect.poll(async () => (await page.context().cookies()).find((c) => c.name === 'cd_theme')?.value).toBe('dark');
  await page.reload();
  await hydrated(page);
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-switch').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-switch').click();
  await expect(html).not.toHaveAttribute('data-theme', /.*/);
  await expect.poll(async () => (await page.context().cookies()).find((c) => c.name === 'cd_theme')).toBeUndefined();
});

test('at every desktop width the top bar shows all of an admin\'s links and sign-out, in both languages', async ({ browser }) => {
  // An admin's bar is the longest (every page and the pending count), Indonesian the widest.
  for (const language of LANGUAGES) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addCookies([{ name: 'i18n_pref_locale', value: language, url: test.info().project.use.baseURL! }]);
    const page = await context.newPage();
    await signIn(page, 'admin');
    for (const width of [1101, 1180, 1280, 1366, 1440, 1920]) {
      await page.setViewportSize({ width, height: 768 });
      const fit = await page.evaluate(() => {
        const bar = document.querySelector('.topbar')!;
        const edge = document.documentElement.clientWidth;
        const cut = [...bar.querySelectorAll<HTMLElement>('a, button')]
          .filter((e) => e.offsetParent !== null)
          .filter((e) => e.getBoundingClientRect().right > edge + 0.5 || e.scrollWidth > e.clientWidth + 1)
          .map((e) => e.textContent!.trim());
        return { cut, page: document.documentElement.scrollWidth <= edge };
      });
      expect(fit, `${language} at ${width} px`).toEqual({ cut: [], page: true });
      await expect(page.getByTestId('signed-in')).toBeInViewport();
      if (width === 1101 || width === 1280) {
        await page.screenshot({ path: `screenshots/look/topbar-${width}-${language}.png`, clip: { x: 0, y: 0, width, height: 120 } });
      }
    }
    await context.close();
  }
});

test('on a phone the top bar folds into a menu that navigates', async ({ browser }) => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, 'supervisor');
  const menu = page.getByTestId('menu-button');
  const audit = page.getByRole('link', { name: 'Audit log' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(audit).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('signed-in')).toBeVisible();
  await audit.click();
  await expect(page).toHaveURL(/\/audit$/);
  // The menu closes on the new page.
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeHidden();
  await page.close();
});

// Tab until `target` has the focus, as a keyboard user would (never more than `limit` presses).
async function tabTo(page: Page, target: ReturnType<Page['locator']>, limit = 60) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

test('a finance user cancels an order with the keyboard alone', async ({ page, browser }) => {
  // A paid order of the seeded shop data (all digits; not a sandbox scenario, which answers
  // by its code), the cheapest one: other tests take theirs from the most expensive end.
  const setup = await browser.newPage();
  await signIn(setup, 'finance', '/orders?status=PAID&sort=amount_asc');
  // After sign-in the orders page may still be on its way (the redirect loads it anew).
  await expect(setup.locator('[data-testid="orders-table"] .ref-link').first()).toBeVisible();
  const references = await setup.locator('[data-testid="orders-table"] .ref-link').allTextContents();
  const reference = references.map((r) => r.trim()).find((r) => /^\d{15,}$/.test(r))!;
  expect(reference).toBeTruthy();
  await setup.close();

  await page.goto('/login');
  await hydrated(page);
  await tabTo(page, page.getByLabel('E-mail'));
  await page.keyboard.type('finance@e2e.test');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('signed-in')).toContainText('finance@e2e.test');
  await hydrated(page);

  const search = page.getByRole('searchbox', { name: 'Search' });
  await tabTo(page, search);
  await page.keyboard.type(reference);
  await page.keyboard.press('Enter');
  const link = page.locator('[data-testid="orders-table"] .ref-link', { hasText: reference });
  await expect(link).toBeVisible();
  await tabTo(page, link);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('order-reference')).toHaveText(reference);
  await hydrated(page);

  await tabTo(page, page.getByRole('button', { name: 'Cancel order' }));
  await page.keyboard.press('Enter');
  // The confirm step takes the focus to the reason.
  await expect(page.getByLabel('Reason (required, sent to DANA)')).toBeFocused();
  await page.keyboard.type('Customer changed their mind by phone');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Confirm cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  const outcome = page.locator('.just-done [data-testid="cancel-outcome"]');
  await expect(outcome).toHaveAttribute('data-code', '2005700', { timeout: 15_000 });
  // The page loads anew with DANA's answer on top, and the keyboard is there.
  await expect(page.locator('.just-done')).toBeFocused();
  await expect(outcome).toHaveAttribute('role', 'status');
  await expect(outcome).toContainText('Cancelled at DANA');
  await expect(outcome).toContainText('Next step');
});
