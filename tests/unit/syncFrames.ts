/**
 * The Hocuspocus wire protocol by hand, for messages a provider would never send: bare WebSockets
 * to the sync server and the frames to put on them (a frame is the document name as a varString,
 * then the message type and its body). Sockets are terminated at the harness's cleanup.
 */
import WebSocket from 'ws'
import { cleanups, waitFor } from './serverHarness'

/** lib0's variable-length unsigned integer: 7 bits a byte, the high bit set on all but the last. */
export function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** Bytes prefixed with their length. */
export const varBytes = (b: Uint8Array): number[] => [...varUint(b.length), ...b]

/** A UTF-8 string prefixed with its length in bytes. */
export const varString = (s: string): number[] => varBytes(new TextEncoder().encode(s))

/** Message types and sub-types of the protocol, as the frames below use them. */
export const SYNC = 0
export const SYNC_UPDATE = 2
export const AUTH = 2
export const AUTH_TOKEN = 0
export const AUTH_AUTHENTICATED = 2
export const CLOSE = 7

/** Auth/Token for `name`: what a provider sends first. */
export const authFrame = (name: string, token: string): Uint8Array => new Uint8Array([...varString(name), AUTH, AUTH_TOKEN, ...varString(token)])

/** Sync/Update for `name` carrying `update` as it is (well-formed or not). */
export const updateFrame = (name: string, update: Uint8Array): Uint8Array => new Uint8Array([...varString(name), SYNC, SYNC_UPDATE, ...varBytes(update)])

/** A Sync/Update frame for `name` carrying `size` bytes of payload. */
export function bigSyncFrame(name: string, size: number): Buffer {
  const head = Buffer.from([...varString(name), SYNC, SYNC_UPDATE, ...varUint(size)])
  return Buffer.concat([head, Buffer.alloc(size, 7)])
}

/** How a raw socket closed, and when (Date.now()). */
export interface Closed {
  code: number
  reason: string
  at: number
}

/** A bare WebSocket with every message the server sent it. */
export interface RawSocket {
  ws: WebSocket
  messages: Uint8Array[]
  closed: Promise<Closed>
  /** resolves once the socket is open (at once if it is), rejects on a socket error before that */
  opened(): Promise<void>
}

/** A bare WebSocket to `url` (no compression, from `localAddress` if given), its errors swallowed, terminated at cleanup. */
export function rawSocket(url: string, localAddress?: string): RawSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress })
  ws.on('error', () => undefined)
  cleanups.push(() => ws.terminate())
  const messages: Uint8Array[] = []
  ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })))
  const opened = () =>
    ws.readyState === WebSocket.OPEN ? Promise.resolve() : new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject))
  return { ws, messages, closed, opened }
}

/** A raw socket to `url` once it is open. */
export async function openRawSocket(url: string): Promise<RawSocket> {
  const raw = rawSocket(url)
  await raw.opened()
  return raw
}

/** The first message the server sent on `raw` for document `name` of `type` (and `sub`-type), if any. */
export function received(raw: RawSocket, name: string, type: number, sub?: number): Uint8Array | undefined {
  const at = varString(name).length
  return raw.messages.find((m) => m[at] === type && (sub === undefined || m[at + 1] === sub))
}

/** Sends Auth/Token for `name` on `raw` and waits until the server answers Authenticated. */
export async function authenticate(raw: RawSocket, name: string, token: string, timeoutMs = 5000): Promise<void> {
  raw.ws.send(authFrame(name, token))
  await waitFor(() => received(raw, name, AUTH, AUTH_AUTHENTICATED) !== undefined, timeoutMs)
}

/** Bytes that no Yjs decoder can read as an update. */
export const GARBAGE_UPDATE = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])

/** Sends GARBAGE_UPDATE for the authenticated `name` and waits for the server's CLOSE of it; resolves with its body as text (the reason, after its length byte). */
export async function sendGarbageUpdate(raw: RawSocket, name: string, timeoutMs = 5000): Promise<string> {
  raw.ws.send(updateFrame(name, GARBAGE_UPDATE))
  await waitFor(() => received(raw, name, CLOSE) !== undefined, timeoutMs)
  return new TextDecoder().decode(received(raw, name, CLOSE)!.subarray(varString(name).length + 1))
}
