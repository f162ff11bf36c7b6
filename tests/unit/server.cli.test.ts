import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { createSpaceCredentials, deriveSpaceToken, parsePairingLink } from '../../src/core/spaceToken'
import { startSyncServer } from '../../src/server'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keepsake-cli-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Run {
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
  kill(signal: NodeJS.Signals): void
}

/** `tsx src/server/cli.ts ...args` in a child process (tsx as a Node loader, so signals reach the script). */
function cli(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return { stdout: () => out, stderr: () => err, exit, kill: (s) => child.kill(s) }
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function provider(url: string, name: string, token: string) {
  const doc = new Y.Doc()
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
  const p = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc })
  p.attach()
  cleanups.push(() => {
    p.destroy()
    socket.destroy()
  })
  const outcome = new Promise<string>((resolve) => {
    p.on('synced', () => resolve('ok'))
    p.on('authenticationFailed', ({ reason }: { reason: string }) => resolve(reason))
  })
  return { doc, p, outcome }
}

describe('sync server CLI', () => {
  it('--create-space registers a space and prints a pairing link that works', async () => {
    const data = tempDir()
    const run = cli([
      '--create-space',
      '--data',
      data,
      '--app-url',
      'http://localhost:4000',
      '--server-url',
      'ws://127.0.0.1:9999',
    ])
    expect(await run.exit).toBe(0)
    const line = run.stdout().split('\n').find((l) => l.includes('#pair='))
    expect(line).toBeDefined()
    expect(line!.startsWith('http://localhost:4000/#pair=')).toBe(true)
    const pairing = parsePairingLink(line!)
    expect(pairing.url).toBe('ws://127.0.0.1:9999')

    // the space is in the registry: a server on that folder (open registration off) admits it
    const server = await startSyncServer({ port: 0, dataDir: data, quiet: true })
    cleanups.push(() => server.stop())
    const token = await deriveSpaceToken(pairing.spaceId, pairing.secret)
    expect(await provider(server.url, `${pairing.spaceId}/space`, token).outcome).toBe('ok')
  })

  it('runs the server, and on SIGTERM stores every document and exits 0', async () => {
    const data = tempDir()
    const run = cli(['--port', '0', '--data', data, '--open-registration'])
    await waitFor(() => /listening on ws:\/\/\S+/.test(run.stdout()))
    const url = /listening on (ws:\/\/[^;\s]+)/.exec(run.stdout())![1]
    expect(run.stdout()).toContain('open registration ON')

    const creds = await createSpaceCredentials() // never registered: open registration admits it
    const c = provider(url, `${creds.spaceId}/user/u1`, creds.token)
    expect(await c.outcome).toBe('ok')
    c.doc.getMap('m').set('city', 'Berlin')
    await waitFor(() => !c.p.hasUnsyncedChanges)

    run.kill('SIGTERM')
    expect(await run.exit).toBe(0)
    expect(run.stdout()).toContain('every document is stored')

    const server = await startSyncServer({ port: 0, dataDir: data, quiet: true })
    cleanups.push(() => server.stop())
    const again = provider(server.url, `${creds.spaceId}/user/u1`, creds.token)
    expect(await again.outcome).toBe('ok')
    expect(again.doc.getMap('m').toJSON()).toEqual({ city: 'Berlin' })
  })

  it('reads the port from KEEPSAKE_SYNC_PORT and rejects unknown flags', async () => {
    const bad = cli(['--no-such-flag'])
    expect(await bad.exit).toBe(1)
    expect(bad.stderr()).toMatch(/no-such-flag/)

    const help = cli(['--help'])
    expect(await help.exit).toBe(0)
    expect(help.stdout()).toContain('--open-registration')

    const data = tempDir()
    const run = cli(['--data', data], { KEEPSAKE_SYNC_PORT: '0' })
    await waitFor(() => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(run.stdout()))
    expect(run.stdout()).toContain('open registration off')
    run.kill('SIGINT')
    expect(await run.exit).toBe(0)
  })
})
