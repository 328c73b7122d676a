import { test as base, expect, type Browser, type Page } from '@playwright/test';

// Every page a test opens (the `page` fixture, `browser.newPage()`, or a page of a
// `browser.newContext()`) is watched: an uncaught exception, a Rust panic printed to the console
// (hydration panics among them), or a Content-Security-Policy refusal fails the test, even when
// everything it asserted passed.
// A test that causes a failure on purpose names what it expects in `expectedProblems`; those are
// kept apart in `expectedSeen` (so the test can check they happened) instead of failing it.
function watch(page: Page, problems: string[], expected: RegExp[], seen: string[]) {
  const record = (problem: string) => (expected.some((e) => e.test(problem)) ? seen : problems).push(problem);
  page.on('pageerror', (error) => record(`pageerror on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/panicked|unreachable|RuntimeError|Content Security Policy|Content-Security-Policy/i.test(text)) {
      record(`console ${message.type()} on ${page.url()}: ${text}`);
    }
  });
}

export const test = base.extend<{ pageProblems: string[]; expectedProblems: RegExp[]; expectedSeen: string[] }>({
  expectedProblems: [[], { option: true }],
  expectedSeen: async ({}, use) => {
    await use([]);
  },
  pageProblems: [
    async ({ browser, context, expectedProblems, expectedSeen }, use) => {
      const problems: string[] = [];
      const watch_ = (page: Page) => watch(page, problems, expectedProblems, expectedSeen);
      context.on('page', watch_);
      const newPage = browser.newPage.bind(browser);
      const newContext = browser.newContext.bind(browser);
      const patched = browser as Browser & { newPage: Browser['newPage']; newContext: Browser['newContext'] };
      patched.newPage = async (...args) => {
        const page = await newPage(...args);
        watch_(page);
        return page;
      };
      patched.newContext = async (...args) => {
        const created = await newContext(...args);
        created.on('page', watch_);
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
