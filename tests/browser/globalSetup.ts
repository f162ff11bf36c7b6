import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startSyncServer } from '../../src/server/index'

declare module 'vitest' {
  export interface ProvidedContext {
    syncUrl: string
  }
}

/** Starts the real sync server (open registration, temp folder) for the browser tests. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'keepsake-browser-sync-'))
  const server = await startSyncServer({ port: 0, host: '127.0.0.1', dataDir: dir, openRegistration: true,
    // every test (or device) registers its own space from 127.0.0.1: far more than a person would
    limits: { maxOpenSpaces: 100_000, registrationsPerMinutePerAddress: 100_000, registrationsPerMinute: 100_000 },
    quiet: true })
  project.provide('syncUrl', server.url)
  return async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
