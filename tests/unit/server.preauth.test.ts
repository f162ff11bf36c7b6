import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { startSyncServer, type SyncServerOptions } from '../../src/server'

// ------------------------------------------------------------------ helpers

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keepsake-preauth-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

interface Child {
  pid: number
  url: string
  output: () => string
}

/** The real server: `tsx src/server/cli.ts --port 0 --data <tmp> ...args` in a child process. */
async function serverProcess(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', '--port', '0', '--data', tempDir(), ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  await waitFor(() => /listening on ws:\/\/\S+/.test(out), 20_000)
  const url = /listening on (ws:\/\/[^;\s]+)/.exec(out)![1]
  return { pid: child.pid!, url, output: () => out }
}

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]
  return Number(kb) * 1024
}

interface Raw {
  ws: WebSocket
  closed: Promise<{ code: number; reason: string; at: number }>
}

function rawSocket(url: string, localAddress?: string): Raw {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress })
  ws.on('error', () => undefined)
  cleanups.push(() => ws.terminate())
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  )
  return { ws, closed }
}

const opened = (raw: Raw) => new Promise<void>((resolve, reject) => raw.ws.once('open', () => resolve()).once('error', reject))

function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** A Sync/Update frame for `name` carrying `size` bytes of payload. */
function bigSyncFrame(name: string, size: number): Buffer {
  const nameBytes = Buffer.from(name)
  const head = Buffer.from([...varUint(nameBytes.length), ...nameBytes, 0, 2, ...varUint(size)])
  return Buffer.concat([head, Buffer.alloc(size, 7)])
}

const MB = 1024 * 1024

// ------------------------------------------------------------------ tests

describe('nothing unauthenticated is held', () => {
  it('large frames from sockets without a token: the sockets are dropped and the server memory stays bounded', async () => {
    const server = await serverProcess([])
    await new Promise((r) => setTimeout(r, 500))
    const before = rssBytes(server.pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 20)
    cleanups.push(() => clearInterval(sampler))

    // three strangers, each trying two 40 MB frames for a document they never authenticated
    const strangers = [0, 1, 2].map(() => rawSocket(server.url))
    await Promise.all(strangers.map(opened))
    const t0 = Date.now()
    for (const s of strangers) {
      s.ws.send(bigSyncFrame('AAAAAAAAAAAAAAAAAAAAAA/space', 40 * MB))
      s.ws.send(bigSyncFrame('AAAAAAAAAAAAAAAAAAAAAA/space', 40 * MB))
    }
    const closes = await Promise.all(strangers.map((s) => s.closed))
    const closedWithinMs = Math.max(...closes.map((c) => c.at)) - t0
    await new Promise((r) => setTimeout(r, 1000))
    clearInterval(sampler)
    const after = rssBytes(server.pid)
    console.log(
      `[preauth] rss before ${(before / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, after ${(after / MB).toFixed(1)} MB; 240 MB sent; all closed in ${closedWithinMs} ms`,
    )
    // queued by Hocuspocus, the frames would be 240 MB; the guard holds at most 128 KiB a socket
    expect(peak - before).toBeLessThan(40 * MB)
    expect(after - before).toBeLessThan(30 * MB)
    expect(closedWithinMs).toBeLessThan(5000)
    expect(server.output()).not.toMatch(/^\s+at /m)
  }, 60_000)

  it('closes an idle socket that authenticates nothing within the timeout', async () => {
    const server = await serverProcess(['--auth-timeout-ms', '400'])
    const idle = [0, 1, 2].map(() => rawSocket(server.url))
    await Promise.all(idle.map(opened))
    const t0 = Date.now()
    const closes = await Promise.all(idle.map((s) => s.closed))
    for (const c of closes) {
      expect(c.code).toBe(4408)
      expect(c.reason).toBe('auth-timeout')
      expect(c.at - t0).toBeLessThan(2000)
    }
    await waitFor(() => (server.output().match(/auth-timeout/g) ?? []).length === 3)
  }, 30_000)

  it('caps unauthenticated sockets per remote address and in total', async () => {
    const server = await serverProcess(['--max-unauthenticated-per-address', '3', '--max-unauthenticated-sockets', '5'])
    const fromOne = [0, 1, 2].map(() => rawSocket(server.url, '127.0.0.1'))
    await Promise.all(fromOne.map(opened))
    const fourth = rawSocket(server.url, '127.0.0.1')
    const refused = await fourth.closed
    expect(refused).toMatchObject({ code: 1013, reason: 'too-many-from-address' })

    const fromTwo = [0, 1].map(() => rawSocket(server.url, '127.0.0.2'))
    await Promise.all(fromTwo.map(opened))
    const sixth = rawSocket(server.url, '127.0.0.3')
    expect(await sixth.closed).toMatchObject({ code: 1013, reason: 'too-many-unauthenticated' })

    // the ones admitted are still open, and a slot frees when one of them goes
    for (const s of [...fromOne, ...fromTwo]) expect(s.ws.readyState).toBe(WebSocket.OPEN)
    fromOne[0].ws.close()
    await fromOne[0].closed
    await new Promise((r) => setTimeout(r, 100))
    const again = rawSocket(server.url, '127.0.0.1')
    await opened(again)
    await new Promise((r) => setTimeout(r, 300))
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
  }, 30_000)
})

// ------------------------------------------------------------------ the good path (in process)

async function start(options: SyncServerOptions = {}) {
  const server = await startSyncServer({ port: 0, dataDir: tempDir(), quiet: true, ...options })
  cleanups.push(() => server.stop())
  return server
}

function provider(socket: HocuspocusProviderWebsocket, name: string, token: string, doc = new Y.Doc()) {
  const p = new HocuspocusProvider({ websocketProvider: socket, name, token, document: doc })
  p.attach()
  cleanups.push(() => p.destroy())
  const synced = new Promise<void>((resolve, reject) => {
    p.on('synced', () => resolve())
    p.on('authenticationFailed', ({ reason }: { reason: string }) => reject(new Error(reason)))
  })
  return { doc, p, synced }
}

function newSocket(url: string) {
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
  cleanups.push(() => socket.destroy())
  return socket
}

describe('a legitimate device is not affected', () => {
  it('authenticates and syncs several documents on one multiplexed socket, with short pre-auth limits', async () => {
    const server = await start({ limits: { authTimeoutMs: 1000, maxPreAuthBytes: 16 * 1024, maxUnauthenticatedPerAddress: 2 } })
    const space = await server.createSpace()
    const socket = newSocket(server.url)
    const names = ['space', 'user/u1', 'user/u1/2025-01', 'user/u1/2025-02', 'user/u2', 'user/u2/2025-01']
    const clients = names.map((n) => provider(socket, `${space.spaceId}/${n}`, space.token))
    await Promise.all(clients.map((c) => c.synced))
    clients.forEach((c, i) => c.doc.getMap('m').set('name', names[i]))
    await waitFor(() => clients.every((c) => !c.p.hasUnsyncedChanges))
    // past the auth timeout the socket is still open and working
    await new Promise((r) => setTimeout(r, 1500))
    clients[0].doc.getMap('m').set('later', 'yes')
    await waitFor(() => !clients[0].p.hasUnsyncedChanges)

    const reader = provider(newSocket(server.url), `${space.spaceId}/user/u2/2025-01`, space.token)
    await reader.synced
    expect(reader.doc.getMap('m').toJSON()).toEqual({ name: 'user/u2/2025-01' })
  }, 30_000)

  it('keeps the messages sent after auth while a large document is still loading', async () => {
    const dataDir = tempDir()
    const first = await startSyncServer({ port: 0, dataDir, quiet: true })
    const space = await first.createSpace()
    const name = `${space.spaceId}/user/u1`
    const big = new Y.Doc()
    big.transact(() => {
      const m = big.getMap('messages')
      for (let i = 0; i < 40_000; i++) m.set(`k${i}`, `an ordinary sentence someone might type into a chat ${i}`)
    })
    const writer = provider(newSocket(first.url), name, space.token, big)
    await writer.synced
    await waitFor(() => !writer.p.hasUnsyncedChanges, 30_000)
    writer.p.destroy()
    await first.stop()

    const server = await start({ dataDir })
    const doc = new Y.Doc()
    const socket = newSocket(server.url)
    const p = new HocuspocusProvider({ websocketProvider: socket, name, token: space.token, document: doc })
    cleanups.push(() => p.destroy())
    let wroteBeforeSync = false
    p.on('authenticated', () => {
      // the document is being loaded now: this update is queued by Hocuspocus, not dropped
      wroteBeforeSync = !p.synced
      doc.getMap('m').set('during', 'load')
    })
    p.attach()
    await waitFor(() => p.synced, 30_000)
    expect(wroteBeforeSync).toBe(true)
    // every update is acknowledged by the server (a dropped one never would be)
    await waitFor(() => !p.hasUnsyncedChanges, 10_000)
    expect(doc.getMap('messages').size).toBe(40_000)

    const reader = provider(newSocket(server.url), name, space.token)
    await reader.synced
    expect(reader.doc.getMap('m').toJSON()).toEqual({ during: 'load' })
  }, 60_000)
})
