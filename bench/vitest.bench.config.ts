import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { chromiumPath, CHROMIUM_ARGS } from '../tests/chromium.ts'

/** Benchmarks that need real IndexedDB run in Chromium; they print tables and are not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.test.ts'],
    // the real sync server, for the new-device benchmark
    globalSetup: ['tests/browser/globalSetup.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
