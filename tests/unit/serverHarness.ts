/**
 * What the sync server tests share: temp folders, raw providers on real sockets, and the server as
 * a child process (`tsx src/server/cli.ts`), so a test can kill -9 it. Importing this file registers
 * an afterEach that runs every cleanup the helpers pushed, newest first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { afterEach } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { deriveSpaceToken, parsePairingLink } from '../../src/core/spaceToken'

export const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keepsake-sync-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export type Outcome = { ok: true } | { ok: false; reason: string }

export interface Client {
  doc: Y.Doc
  provider: HocuspocusProvider
  socket: HocuspocusProviderWebsocket
  outcome: Promise<Outcome>
  closed: Promise<string>
  destroy(): void
}

export function newSocket(url: string): HocuspocusProviderWebsocket {
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
  cleanups.push(() => socket.destroy())
  return socket
}

/** One provider on a (new or shared) socket; `outcome` settles on synced or authenticationFailed. */
export function connect(url: string, name: string, token: string | null, socket = newSocket(url)): Client {
  const doc = new Y.Doc()
  const provider = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc })
  provider.attach()
  const outcome = new Promise<Outcome>((resolve) => {
    provider.on('synced', () => resolve({ ok: true }))
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => resolve({ ok: false, reason }))
  })
  const closed = new Promise<string>((resolve) => {
    provider.on('close', ({ event }: { event: { reason: string } }) => resolve(String(event.reason)))
  })
  const destroy = () => {
    provider.destroy()
    doc.destroy()
  }
  cleanups.push(destroy)
  return { doc, provider, socket, outcome, closed, destroy }
}

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Writes a value and waits until the server has acknowledged it. */
export async function write(client: Client, key: string, value: string): Promise<void> {
  client.doc.getMap('m').set(key, value)
  await waitFor(() => !client.provider.hasUnsyncedChanges)
}

/** What a brand-new device sees of a map of the document on this server. */
export async function readMap(url: string, name: string, token: string, map = 'm'): Promise<Record<string, unknown>> {
  const client = connect(url, name, token)
  const outcome = await client.outcome
  if (!outcome.ok) throw new Error(`could not open ${name}: ${outcome.reason}`)
  const json = client.doc.getMap(map).toJSON()
  client.destroy()
  client.socket.destroy()
  return json
}

// ------------------------------------------------------------------ the server as a child process

const ROOT = resolve(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/server/cli.ts')
/**
 * Node itself with tsx's loader, not the `tsx` command: that one runs the server in a child
 * process of its own, so a kill -9 of it would leave the server running.
 */
const NODE_ARGS = ['--import', 'tsx', CLI]

export interface ServerProcess {
  child: ChildProcess
  url: string
  /** everything it printed so far, stdout and stderr */
  output(): string
  /** resolves with the exit code (or signal) */
  exited: Promise<number | NodeJS.Signals | null>
}

/** `npm run server -- <args>` on a free port; resolves once it listens. */
export async function spawnServer(dataDir: string, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, '--port', '0', '--data', dataDir, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 20_000)
    const look = () => {
      const m = /listening on (ws:\/\/[^\s;]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1]!)
      }
    }
    child.stdout!.on('data', look)
    child.stderr!.on('data', look)
    void exited.then((code) => reject(new Error(`the server exited (${String(code)}) before listening:\n${out}`)))
  })
  return { child, url, output: () => out, exited }
}

/** `npm run server -- --create-space`: a space registered in the folder's file, with its token. */
export async function createSpaceIn(dataDir: string, args: string[] = []): Promise<{ spaceId: string; secret: string; token: string }> {
  const run = spawnSync(process.execPath, [...NODE_ARGS, '--create-space', '--data', dataDir, ...args], { cwd: ROOT, encoding: 'utf8' })
  const link = /^https?:\/\/\S+$/m.exec(run.stdout)?.[0]
  if (run.status !== 0 || !link) throw new Error(`--create-space failed:\n${run.stdout}${run.stderr}`)
  const { spaceId, secret } = parsePairingLink(link)
  return { spaceId, secret, token: await deriveSpaceToken(spaceId, secret) }
}
