import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { build, preview } from 'vite'
import { startSyncServer } from '../../src/server'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
    /** The folder of the built app being served (the offline tests serve it again, beside a next version). */
    appDir: string
    /** ws:// address of a sync server (open registration, a fresh data folder) for the sync tests */
    syncURL: string
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Builds the app once (as `npm start` does) and serves it with `vite preview` on a free port.
 * The build goes to a folder of this run's own (another run building dist/ meanwhile would pull
 * files from under the pages and their service workers); E2E_SKIP_BUILD=1 serves an existing dist/
 * (`npm run build`) instead, while iterating on the tests.
 * Also starts a sync server (open registration, a throw-away data folder) for the sync tests: `syncURL`.
 */
export default async function setup(project: TestProject) {
  const reuse = process.env.E2E_SKIP_BUILD === '1' && existsSync(join(root, 'dist', 'index.html'))
  const outDir = reuse ? join(root, 'dist') : mkdtempSync(join(tmpdir(), 'keepsake-e2e-app-'))
  if (!reuse) await build({ root, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  const port = await freePort()
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' } })
  // "localhost" rather than 127.0.0.1: Chromium offers WebGPU on http://localhost only.
  project.provide('baseURL', `http://localhost:${port}`)
  project.provide('appDir', outDir)
  const syncData = mkdtempSync(join(tmpdir(), 'keepsake-e2e-sync-'))
  const sync = await startSyncServer({ port: 0, host: '127.0.0.1', dataDir: syncData, openRegistration: true,
    // every test (or device) registers its own space from 127.0.0.1: far more than a person would
    limits: { maxOpenSpaces: 100_000, registrationsPerMinutePerAddress: 100_000, registrationsPerMinute: 100_000 },
    quiet: true, storeDebounceMs: 200, storeMaxDebounceMs: 1000 })
  project.provide('syncURL', sync.url)
  return async () => {
    await server.close()
    await sync.stop()
    rmSync(syncData, { recursive: true, force: true })
    if (!reuse) rmSync(outDir, { recursive: true, force: true })
  }
}
