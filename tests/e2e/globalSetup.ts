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
 * Builds the app once (as `npm start` does) and serves dist/ with `vite preview` on a free port.
 * E2E_SKIP_BUILD=1 reuses an existing dist/ while iterating on the tests.
 * Also starts a sync server (open registration, a throw-away data folder) for the sync tests: `syncURL`.
 */
export default async function setup(project: TestProject) {
  if (!(process.env.E2E_SKIP_BUILD === '1' && existsSync(join(root, 'dist', 'index.html')))) {
    await build({ root, logLevel: 'warn' })
  }
  const port = await freePort()
  const server = await preview({ root, logLevel: 'warn', preview: { port, strictPort: true, host: '127.0.0.1' } })
  // "localhost" rather than 127.0.0.1: Chromium offers WebGPU on http://localhost only.
  project.provide('baseURL', `http://localhost:${port}`)
  const syncData = mkdtempSync(join(tmpdir(), 'keepsake-e2e-sync-'))
  const sync = await startSyncServer({ port: 0, host: '127.0.0.1', dataDir: syncData, openRegistration: true, quiet: true, storeDebounceMs: 200, storeMaxDebounceMs: 1000 })
  project.provide('syncURL', sync.url)
  return async () => {
    await server.close()
    await sync.stop()
    rmSync(syncData, { recursive: true, force: true })
  }
}
