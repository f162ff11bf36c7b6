import { defineConfig } from 'vitest/config'
import { playwright } from '@vitest/browser-playwright'
import { chromiumPath, CHROMIUM_ARGS } from '../tests/chromium.ts'

/**
 * `npm run bench:scale` only: Chromium with a forced GC (`gc()`) and unquantized
 * performance.memory, so the heap figures mean something. Not part of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['bench/scale.bench.test.ts'],
    globalSetup: ['bench/scaleSetup.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'] } }),
      instances: [{ browser: 'chromium' }],
    },
  },
})
