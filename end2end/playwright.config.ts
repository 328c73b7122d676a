import { defineConfig } from '@playwright/test';

// The release build, started on a fresh seeded database by scripts/e2e-server.sh.
const port = Number(process.env.E2E_PORT ?? 3107);

export default defineConfig({
  testDir: './tests',
  // E2E_SCOPE=data (the PostgreSQL pass of scripts/test.sh): leave out the specs that only check
  // how pages look and read (axe, screenshots, both languages) and the browser app's crash
  // notice, which do not depend on the engine.
  testIgnore: process.env.E2E_SCOPE === 'data' ? ['**/look.spec.ts', '**/language.spec.ts', '**/crash.spec.ts'] : [],
  workers: 1,
  retries: 0,
  timeout: 30_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: 'bash ../scripts/e2e-server.sh',
    url: `http://127.0.0.1:${port}/orders`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { CANCEL_DESK_ADDR: `127.0.0.1:${port}`, RUST_LOG: 'warn', E2E_PASSWORD: 'e2e-password-kopi-42' },
    stdout: 'pipe',
  },
});
