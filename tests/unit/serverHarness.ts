/**
 * What the sync server tests share: temp folders, the server in process (with its log captured),
 * raw providers on real sockets, and the server as a child process (`node --import tsx
 * src/server/cli.ts`), so a test can kill -9 it. Importing this file registers an afterEach that
 * runs every cleanup the helpers pushed, newest first. Raw protocol frames are in syncFrames.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { afterEach, expect } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { deriveSpaceToken, parsePairingLink, parseSyncRejectReason } from '../../src/core/spaceToken'
import { startSyncServer, type SyncServerHandle, type SyncServerOptions } from '../../src/server'

/** What a test set up and must take down after it, run newest first by the afterEach below. */
export const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A fresh temp folder, removed at cleanup. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keepsake-sync-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// ------------------------------------------------------------------ the server in process

/** One line the in-process server logged. */
export interface Logged {
  level: string
  message: string
}

/** `startSyncServer` on a free port and a temp folder (unless `sqlitePath`), its log kept in `logs`, stopped at cleanup. */
export async function startServer(options: SyncServerOptions = {}): Promise<SyncServerHandle & { logs: Logged[] }> {
  const logs: Logged[] = []
  const server = await startSyncServer({
    port: 0,
    dataDir: options.dataDir ?? (options.sqlitePath ? undefined : tempDir()),
    log: (level, message) => logs.push({ level, message }),
    ...options,
  })
  cleanups.push(() => server.stop())
  return Object.assign(server, { logs })
}

// ------------------------------------------------------------------ devices

/** How a provider's authentication ended. */
export type Outcome = { ok: true } | { ok: false; reason: string }

/** A provider with its document and socket, as `connect` returns it. */
export interface Client {
  doc: Y.Doc
  provider: HocuspocusProvider
  socket: HocuspocusProviderWebsocket
  outcome: Promise<Outcome>
  closed: Promise<string>
  destroy(): void
}

/** A provider socket to `url`, destroyed at cleanup. */
export function newSocket(url: string): HocuspocusProviderWebsocket {
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
  cleanups.push(() => socket.destroy())
  return socket
}

/** What `connect` can be given: the document to sync, and whether `destroy()` also closes the socket. */
export interface ConnectOptions {
  doc?: Y.Doc
  closeSocket?: boolean
}

/** One provider on a (new or shared) socket; `outcome` settles on synced or authenticationFailed. */
export function connect(url: string, name: string, token: string | null, socket = newSocket(url), options: ConnectOptions = {}): Client {
  const doc = options.doc ?? new Y.Doc()
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
    if (options.closeSocket) socket.destroy()
    doc.destroy()
  }
  cleanups.push(destroy)
  return { doc, provider, socket, outcome, closed, destroy }
}

/** Polls `check` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, everyMs = 10): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Expects the client to be refused with `code`; returns the whole reason. */
export async function expectDenied(client: Client, code: string): Promise<string> {
  const outcome = await client.outcome
  expect(outcome.ok).toBe(false)
  const reason = (outcome as { reason: string }).reason
  expect(parseSyncRejectReason(reason).code).toBe(code)
  return reason
}

/** Writes a value and waits until the server has acknowledged it. */
export async function write(client: Client, key: string, value: string): Promise<void> {
  client.doc.getMap('m').set(key, value)
  await waitFor(() => !client.provider.hasUnsyncedChanges)
}

/** What a brand-new device sees of a map of the document on this server. */
export async function readMap(url: string, name: string, token: string, map = 'm'): Promise<Record<string, unknown>> {
  const client = connect(url, name, token)
  expect(await client.outcome, `opening ${name}`).toEqual({ ok: true })
  const json = client.doc.getMap(map).toJSON()
  client.destroy()
  client.socket.destroy()
  return json
}

/** A device writing into its map `messages` as fast as it can (`everyMs` apart), as `streamWrites` returns it. */
export interface WriteStream {
  /** stops writing; resolves with how many writes the server acknowledged */
  stop(): Promise<number>
  /** how many writes the server acknowledged so far: the first ones, `<prefix>-0` on */
  readonly synced: number
  /** how many writes were made */
  readonly written: number
}

/** Writes `<prefix>-0`, `<prefix>-1`, … into `messages` one after another until stopped, counting the acknowledged ones. */
export function streamWrites(client: Client, prefix: string, everyMs: number): WriteStream {
  let written = 0
  let synced = 0
  let running = true
  // Each write raises the provider's count of unacknowledged changes, each acknowledgement lowers
  // it, and they come in order: the first `synced` writes are the acknowledged ones.
  let outstanding = client.provider.unsyncedChanges
  client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    if (number < outstanding) synced += outstanding - number
    outstanding = number
  })
  const loop = (async () => {
    while (running) {
      client.doc.getMap('messages').set(`${prefix}-${written}`, `message ${written} from ${prefix}, said at ${Date.now()}`)
      written++
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return synced
    },
    get synced() {
      return synced
    },
    get written() {
      return written
    },
  }
}

// ------------------------------------------------------------------ the server as a child process

const ROOT = resolve(import.meta.dirname, '../..')
const CLI = join(ROOT, 'src/server/cli.ts')
/**
 * Node itself with tsx's loader, not the `tsx` command: that one runs the server in a child
 * process of its own, so a kill -9 of it would leave the server running.
 */
const NODE_ARGS = ['--import', 'tsx', CLI]

/** Kills the child at cleanup (SIGKILL) if it still runs, and waits for it; resolves with its exit code or signal. */
export function stopOnCleanup(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  const exited = new Promise<number | NodeJS.Signals | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return exited
}

/** The CLI running as a child process, as `runCli` returns it. */
export interface CliRun {
  child: ChildProcess
  /** what it printed so far on stdout */
  stdout(): string
  /** what it printed so far on stderr */
  stderr(): string
  /** everything it printed so far, stdout and stderr in the order they came */
  output(): string
  /** the non-empty lines of `output()` */
  lines(): string[]
  /** resolves with the exit code (or signal) */
  exited: Promise<number | NodeJS.Signals | null>
}

/** `npm run server -- <args>` (with `env` added) as a child process, killed at cleanup if still running. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let all = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    all += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
    all += d.toString()
  })
  const exited = stopOnCleanup(child)
  return { child, stdout: () => out, stderr: () => err, output: () => all, lines: () => all.split('\n').filter((l) => l !== ''), exited }
}

/** A server started by `spawnServer`, with the URL it listens on. */
export interface ServerProcess extends CliRun {
  url: string
}

/** `npm run server -- --port 0 --data <dataDir> <args>`; resolves once it listens (the URL read from its log, also as JSON). */
export async function spawnServer(dataDir: string, args: string[] = []): Promise<ServerProcess> {
  const run = runCli(['--port', '0', '--data', dataDir, ...args])
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${run.output()}`)), 20_000)
    const look = () => {
      const m = /listening on (ws:\/\/[^\s;"]+)/.exec(run.output())
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1]!)
      }
    }
    run.child.stdout!.on('data', look)
    run.child.stderr!.on('data', look)
    void run.exited.then((code) => reject(new Error(`the server exited (${String(code)}) before listening:\n${run.output()}`)))
  })
  return { ...run, url }
}

/** `npm run server -- --create-space`: a space registered in the folder's file, with its token. */
export async function createSpaceIn(dataDir: string, args: string[] = []): Promise<{ spaceId: string; secret: string; token: string }> {
  const run = spawnSync(process.execPath, [...NODE_ARGS, '--create-space', '--data', dataDir, ...args], { cwd: ROOT, encoding: 'utf8' })
  const link = /^https?:\/\/\S+$/m.exec(run.stdout)?.[0]
  if (run.status !== 0 || !link) throw new Error(`--create-space failed:\n${run.stdout}${run.stderr}`)
  const { spaceId, secret } = parsePairingLink(link)
  return { spaceId, secret, token: await deriveSpaceToken(spaceId, secret) }
}
