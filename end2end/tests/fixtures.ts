import { test as base, expect, type Browser, type Page } from '@playwright/test';

// Every page a test opens (the `page` fixture, `browser.newPage()`, or a page of a
// `browser.newContext()`) is watched: an uncaught exception, a Rust panic printed to the console
// (hydration panics among them), or a Content-Security-Policy refusal fails the test, even when
// everything it asserted passed.
function watch(page: Page, problems: string[]) {
  page.on('pageerror', (error) => problems.push(`pageerror on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/panicked|unreachable|RuntimeError|Content Security Policy|Content-Security-Policy/i.test(text)) {
      problems.push(`console ${message.type()} on ${page.url()}: ${text}`);
    }
  });
}

export const test = base.extend<{ pageProblems: string[] }>({
  pageProblems: [
    async ({ browser, context }, use) => {
      const problems: string[] = [];
      context.on('page', (page) => watch(page, problems));
      const newPage = browser.newPage.bind(browser);
      const newContext = browser.newContext.bind(browser);
      const patched = browser as Browser & { newPage: Browser['newPage']; newContext: Browser['newContext'] };
      patched.newPage = async (...args) => {
        const page = await newPage(...args);
        watch(page, problems);
        return page;
      };
      patched.newContext = async (...args) => {
        const created = await newContext(...args);
        created.on('page', (page) => watch(page, problems));
        return created;
      };
      await use(problems);
      patched.newPage = newPage;
      patched.newContext = newContext;
      expect(problems, problems.join('\n')).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
