import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { build, type Rollup } from 'vite'

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'scriptedModelWorker.ts')

let bundled: Promise<string> | null = null

/** scriptedModelWorker.ts bundled into one ES module (comlink and the rules engine inlined). */
function scriptedWorkerCode(): Promise<string> {
  bundled ??= (async () => {
    const out = await build({
      configFile: false,
      logLevel: 'silent',
      publicDir: false,
      build: { write: false, minify: false, lib: { entry: ENTRY, formats: ['es'], fileName: 'worker' } },
    })
    const result = (Array.isArray(out) ? out[0] : out) as Rollup.RollupOutput
    return result.output[0].code
  })()
  return bundled
}

/** From now on, the page's engine worker is the scripted test double (see scriptedModelWorker.ts). */
export async function serveScriptedWorker(page: Page): Promise<void> {
  const body = await scriptedWorkerCode()
  await page.route(/\/assets\/engine\.worker-[^/]*\.js(\?.*)?$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body }))
}
