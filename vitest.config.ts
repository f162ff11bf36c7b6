import { configDefaults, defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { chromiumPath, CHROMIUM_ARGS } from './tests/chromium.ts'

/** Headless Debian Chromium; `persistentContext`: a profile on disk instead of an incognito page. */
function chromium(persistentContext?: string) {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({ persistentContext, launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS } }),
    instances: [{ browser: 'chromium' as const }],
  }
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'],
          testTimeout: 30_000,
          // cleanups stop real servers (sync, Redis, PostgreSQL) and child processes
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts', 'tests/browser/**/*.test.tsx'],
          exclude: [...configDefaults.exclude, 'tests/browser/**/*.disk.test.ts'],
          globalSetup: ['tests/browser/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          browser: chromium(),
        },
      },
      {
        // Tests of what IndexedDB does on disk. The browser project's pages are incognito (Playwright's
        // default context), where Chromium keeps IndexedDB in memory and deleting frees no room; a
        // person's profile is on disk. A persistent profile needs the files one at a time.
        test: {
          name: 'browser-disk',
          include: ['tests/browser/**/*.disk.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          browser: chromium('./node_modules/.cache/keepsake-disk-profile'),
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tests/e2e/globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
