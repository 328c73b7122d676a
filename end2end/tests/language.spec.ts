import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { PAGES, PASSWORD, hydrated } from './helpers';

// Bahasa Indonesia and English: the browser's Accept-Language picks the first page's language,
// `<html lang>` says which it is, every page reads wholly in Indonesian, and the top bar's switch
// is kept on the account. Screenshots of the Indonesian pages go to screenshots/language/.


// Words of English that Indonesian never uses. A visible string nobody translated (text, a
// placeholder, an aria-label) almost always holds one of them. DANA's own words are
// marked `lang="en"` and recorded data (reasons, notes, audit details) `translate="no"`: both
// are skipped, as are codes and references in `.mono`, words in capitals and the product's name.
const ENGLISH = new Set(
  `the and of to for with your you is are was were not this that these those from by at on in or
  be has have been will can cannot could should must all any none show search order orders cancel
  cancels cancelled cancelling refund refunds refunded reason amount pending approve approved
  reject rejected request requests waiting next previous page details time who what when where
  staff role add save change back retry check settle settled stop import file upload theme light
  dark sign password new here there found nothing yet more only each every after before until
  since about than then it its we our they their customer paid failed attempt attempts sent answer
  answered response note expires expired ago people person ask asked keep kept still again
  choose chosen open close closed list last first`.split(/\s+/),
);

async function untranslated(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const skip = (el: Element | null) =>
      !!el?.closest('[lang="en"], [translate="no"], script, style, .mono, code, pre');
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!skip(node.parentElement) && node.textContent?.trim()) found.push(node.textContent.trim());
    }
    // Not `title`: some hold recorded text (a pending row's reason as its tooltip).
    for (const el of Array.from(document.querySelectorAll('[placeholder], [aria-label], [alt]'))) {
      if (skip(el)) continue;
      for (const attr of ['placeholder', 'aria-label', 'alt']) {
        const value = el.getAttribute(attr);
        if (value?.trim()) found.push(value.trim());
      }
    }
    return found;
  });
  // The product's name, and codes written in capitals (PAID, X-EXTERNAL-ID), are not English.
  return texts.filter((text) =>
    text
      .replaceAll('Cancel Desk', '')
      .split(/[^A-Za-z]+/)
      .filter((word) => word !== word.toUpperCase())
      .some((word) => ENGLISH.has(word.toLowerCase())),
  );
}

async function signInAs(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('signed-in')).toContainText(email);
  await hydrated(page);
}

test('every page reads in Bahasa Indonesia when the browser asks for it', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ locale: 'id-ID', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  expect(await untranslated(page), '/login').toEqual([]);
  await signInAs(page, 'admin@e2e.test');
  for (const { name, path } of PAGES) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'id');
    expect(await untranslated(page), path).toEqual([]);
    await page.screenshot({ path: `screenshots/language/${name}-id-1366.png`, fullPage: true });
  }
  // Indonesian words are longer: nothing may grow wider than a phone either.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const { name, path } of PAGES) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width} px wide in Indonesian`).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `screenshots/language/${name}-id-390.png`, fullPage: true });
  }
  await context.close();
});

test('English is the language when the browser asks for neither', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await context.close();
});

test('the switch changes the page at once and is kept on the account', async ({ browser }) => {
  const first = await browser.newContext({ locale: 'en-US' });
  const page = await first.newPage();
  await signInAs(page, 'bahasa@e2e.test');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/language') && r.status() === 200);
  await page.getByTestId('language-switch').click();
  await saved;
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await expect(page.getByRole('link', { name: 'Pesanan', exact: true })).toBeVisible();
  // Another page of this browser: the cookie keeps it.
  await page.goto('/codes');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await first.close();

  // Another device, whose browser asks for English: signing in brings the choice back.
  const second = await browser.newContext({ locale: 'en-US' });
  const other = await second.newPage();
  await signInAs(other, 'bahasa@e2e.test');
  await expect(other.locator('html')).toHaveAttribute('lang', 'id');
  await expect(other.getByRole('link', { name: 'Pesanan', exact: true })).toBeVisible();
  // And back to English, which is kept the same way.
  const back = other.waitForResponse((r) => r.url().endsWith('/api/language') && r.status() === 200);
  await other.getByTestId('language-switch').click();
  await back;
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await other.reload();
  await hydrated(other);
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await second.close();
});
