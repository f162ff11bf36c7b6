/**
 * Nothing unauthenticated is held. Every WebSocket passes through this guard before Hocuspocus
 * sees a frame (the guard replaces the Server's 'connection' listener and filters the socket's
 * 'message' events):
 *
 * - a socket that has not authenticated any document within `authTimeoutMs` is closed;
 * - unauthenticated sockets are capped per remote address and in total;
 * - until its first document is authenticated, a socket may send `maxPreAuthBytes` raw bytes
 *   (counted on the TCP socket, so a huge frame is cut off long before ws has buffered it);
 * - a message for a document this socket has not authenticated is dropped, except the document's
 *   first Auth message and what the provider sends right behind it (SyncStep1, awareness), which
 *   Hocuspocus queues until onAuthenticate is done: those may take `maxPreAuthBytes` per socket;
 * - a frame Hocuspocus could not read (or would print an error for) closes the socket with one
 *   log line, and never reaches Hocuspocus.
 *
 * "Authenticated" means onAuthenticate succeeded for that (socket, document): SyncServer calls
 * `authenticated()` at the end of its onAuthenticate and `documentClosed()` from onDisconnect.
 */
import type { IncomingMessage } from 'node:http'
import type { Server } from '@hocuspocus/server'
import * as decoding from 'lib0/decoding'
import type WebSocket from 'ws'
import * as Y from 'yjs'
import { errorText, type ServerLog } from './log'

/** Why the guard closed or refused a socket (the WebSocket close reason). */
export type SocketRefusal =
  | 'auth-timeout'
  | 'too-many-unauthenticated'
  | 'too-many-from-address'
  | 'pre-auth-too-large'
  | 'malformed-frame'

const CLOSE_CODES: Record<SocketRefusal, number> = {
  'auth-timeout': 4408,
  'too-many-unauthenticated': 1013,
  'too-many-from-address': 1013,
  'pre-auth-too-large': 1009,
  'malformed-frame': 1002,
}

export interface PreAuthLimits {
  authTimeoutMs: number
  maxUnauthenticatedSockets: number
  maxUnauthenticatedPerAddress: number
  maxPreAuthBytes: number
  /** messages above this are left to beforeHandleMessage (message-too-large) without a deep read */
  maxMessageBytes: number
}

// Hocuspocus message types (its MessageType enum)
const SYNC = 0
const AWARENESS = 1
const AUTH = 2
const QUERY_AWARENESS = 3
const SYNC_REPLY = 4
const STATELESS = 5
const BROADCAST_STATELESS = 6
const CLOSE = 7

export type Frame = { documentName: string; type: number } | { problem: string }

/**
 * Reads a frame the way Hocuspocus will: `varString documentName, varUint type, ...`, and the body
 * of every type Hocuspocus handles, so nothing that passes can make Hocuspocus throw or print.
 * (Yjs updates inside sync messages are checked by beforeHandleMessage: messageGuard.ts.)
 */
export function inspectFrame(data: Uint8Array, maxMessageBytes: number): Frame {
  const decoder = decoding.createDecoder(data)
  let documentName: string
  let type: number
  try {
    documentName = decoding.readVarString(decoder)
    type = decoding.readVarUint(decoder)
  } catch (error) {
    return { problem: `no document name and type (${errorText(error)})` }
  }
  if (data.byteLength > maxMessageBytes) return { documentName, type } // refused later, by size
  try {
    switch (type) {
      case SYNC:
      case SYNC_REPLY: {
        const syncType = decoding.readVarUint(decoder)
        if (syncType === 0) Y.decodeStateVector(decoding.readVarUint8Array(decoder))
        else if (syncType === 1 || syncType === 2) decoding.readVarUint8Array(decoder)
        else return { problem: `unknown sync message type ${syncType}` }
        break
      }
      case AWARENESS:
        readAwarenessUpdate(decoding.readVarUint8Array(decoder))
        break
      case AUTH: {
        const authType = decoding.readVarUint(decoder)
        if (authType !== 0) return { problem: `unknown auth message type ${authType}` }
        decoding.readVarString(decoder)
        break
      }
      case STATELESS:
      case BROADCAST_STATELESS:
        decoding.readVarString(decoder)
        break
      case QUERY_AWARENESS:
      case CLOSE:
        break
      default:
        return { problem: `unknown message type ${type}` }
    }
  } catch (error) {
    return { problem: `unreadable message of type ${type} (${errorText(error)})` }
  }
  return { documentName, type }
}

/** y-protocols' awareness encoding; applyAwarenessUpdate would throw on what fails here. */
function readAwarenessUpdate(update: Uint8Array): void {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  for (let i = 0; i < count; i++) {
    decoding.readVarUint(decoder) // client id
    decoding.readVarUint(decoder) // clock
    JSON.parse(decoding.readVarString(decoder))
  }
}

class SocketState {
  /** documents whose Auth passed: 'pending' until onAuthenticate succeeds */
  readonly docs = new Map<string, 'pending' | 'authenticated'>()
  /** bytes passed to Hocuspocus's queue per pending document */
  readonly pendingBytes = new Map<string, number>()
  queuedBytes = 0
  rawBytes = 0
  /** counted as unauthenticated (per address and in total) */
  counted = true
  closing = false
  socketId: string | undefined
  timer: NodeJS.Timeout | undefined
  stopCounting: () => void = () => undefined
  constructor(
    readonly ws: WebSocket,
    readonly address: string,
  ) {}
}

export class PreAuthGuard {
  private readonly byRequest = new WeakMap<IncomingMessage, SocketState>()
  private readonly bySocketId = new Map<string, SocketState>()
  private readonly unauthenticatedByAddress = new Map<string, number>()
  private unauthenticated = 0
  /** refusals at the caps are logged at most once a second, with how many were not */
  private lastRefusalLog = 0
  private unloggedRefusals = 0

  constructor(
    private readonly limits: PreAuthLimits,
    private readonly log: ServerLog,
  ) {}

  /** Puts the guard between the server's WebSocket layer and Hocuspocus. */
  install(server: Server): void {
    const wss = server.webSocketServer
    wss.removeAllListeners('connection')
    wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
      if (this.accept(ws, request)) server.hocuspocus.handleConnection(ws, request)
    })
  }

  /** onAuthenticate succeeded for this document on this socket. */
  authenticated(request: IncomingMessage, socketId: string, documentName: string): void {
    const state = this.byRequest.get(request)
    if (!state || state.closing) return
    state.docs.set(documentName, 'authenticated')
    state.queuedBytes -= state.pendingBytes.get(documentName) ?? 0
    state.pendingBytes.delete(documentName)
    state.socketId = socketId
    this.bySocketId.set(socketId, state)
    if (state.counted) {
      this.uncount(state)
      clearTimeout(state.timer)
      state.stopCounting()
    }
  }

  /** Hocuspocus closed the document's connection: a new Auth is needed before anything else. */
  documentClosed(socketId: string, documentName: string): void {
    this.bySocketId.get(socketId)?.docs.delete(documentName)
  }

  /** Clears the timers (server stopping). */
  stop(): void {
    for (const state of this.bySocketId.values()) clearTimeout(state.timer)
  }

  get unauthenticatedCount(): number {
    return this.unauthenticated
  }

  private accept(ws: WebSocket, request: IncomingMessage): boolean {
    ws.setMaxListeners(Number.POSITIVE_INFINITY)
    const address = request.socket.remoteAddress ?? 'unknown'
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself after a protocol error; Hocuspocus would print the stack
      this.log('warn', 'socket-error', 'socket from {address:text} failed: {code:text} ({detail:text})', {
        address,
        code: error.code ?? 'error',
        detail: error.message,
      })
    })
    const fromAddress = this.unauthenticatedByAddress.get(address) ?? 0
    const refusal: SocketRefusal | null =
      this.unauthenticated >= this.limits.maxUnauthenticatedSockets
        ? 'too-many-unauthenticated'
        : fromAddress >= this.limits.maxUnauthenticatedPerAddress
          ? 'too-many-from-address'
          : null
    if (refusal) {
      this.logRefusal(address, refusal)
      closeSoon(ws, refusal)
      return false
    }

    const state = new SocketState(ws, address)
    this.byRequest.set(request, state)
    this.unauthenticated += 1
    this.unauthenticatedByAddress.set(address, fromAddress + 1)
    state.timer = setTimeout(() => this.close(state, 'auth-timeout'), this.limits.authTimeoutMs)
    state.timer.unref()

    // raw bytes before the first authenticated document, frames still being buffered included
    const tcp = request.socket
    const onData = (chunk: Buffer) => {
      state.rawBytes += chunk.byteLength
      if (state.rawBytes > this.limits.maxPreAuthBytes) {
        this.close(state, 'pre-auth-too-large', `more than ${this.limits.maxPreAuthBytes} bytes before authenticating`)
      }
    }
    tcp.on('data', onData)
    state.stopCounting = () => tcp.off('data', onData)

    ws.once('close', () => {
      clearTimeout(state.timer)
      state.stopCounting()
      if (state.counted) this.uncount(state)
      if (state.socketId) this.bySocketId.delete(state.socketId)
    })

    const emit = ws.emit
    ws.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'message' && !this.admit(state, args[0])) return false
      return emit.call(ws, event, ...args)
    }) as typeof ws.emit
    return true
  }

  /** Whether a message goes on to Hocuspocus. */
  private admit(state: SocketState, data: unknown): boolean {
    if (state.closing) return false
    if (!(data instanceof Uint8Array)) {
      this.close(state, 'malformed-frame', 'not a binary frame')
      return false
    }
    const frame = inspectFrame(data, this.limits.maxMessageBytes)
    if ('problem' in frame) {
      this.close(state, 'malformed-frame', frame.problem)
      return false
    }
    const { documentName, type } = frame
    const doc = state.docs.get(documentName)
    if (doc === 'authenticated') return true
    // Hocuspocus queues every message for a document until it is authenticated. Before its Auth:
    // dropped (the sync that follows the Auth brings the document up to date anyway). A second Auth
    // while one is pending would be queued for ever: dropped.
    if (doc === undefined && type !== AUTH) return false
    if (doc === 'pending' && type === AUTH) return false
    if (state.queuedBytes + data.byteLength > this.limits.maxPreAuthBytes) return false
    state.docs.set(documentName, 'pending')
    state.pendingBytes.set(documentName, (state.pendingBytes.get(documentName) ?? 0) + data.byteLength)
    state.queuedBytes += data.byteLength
    return true
  }

  private close(state: SocketState, refusal: SocketRefusal, detail?: string): void {
    if (state.closing) return
    state.closing = true
    clearTimeout(state.timer)
    state.stopCounting()
    if (state.counted) this.uncount(state)
    this.log('warn', 'socket-closed', `closed a socket from {address:text}: ${refusal}` + (detail ? ' ({detail:text})' : ''), {
      address: state.address,
      code: refusal,
      detail,
    })
    if (refusal === 'pre-auth-too-large') state.ws.terminate()
    else closeSoon(state.ws, refusal)
  }

  private uncount(state: SocketState): void {
    state.counted = false
    this.unauthenticated -= 1
    const left = (this.unauthenticatedByAddress.get(state.address) ?? 1) - 1
    if (left > 0) this.unauthenticatedByAddress.set(state.address, left)
    else this.unauthenticatedByAddress.delete(state.address)
  }

  private logRefusal(address: string, refusal: SocketRefusal): void {
    const now = Date.now()
    if (now - this.lastRefusalLog < 1000) {
      this.unloggedRefusals += 1
      return
    }
    this.log('warn', 'socket-refused', `refused a socket from {address:text}: ${refusal} ({unlogged} more not logged)`, {
      address,
      code: refusal,
      unlogged: this.unloggedRefusals,
    })
    this.lastRefusalLog = now
    this.unloggedRefusals = 0
  }
}

/** A close frame with the reason, and the TCP socket dropped a second later whatever the peer does. */
function closeSoon(ws: WebSocket, refusal: SocketRefusal): void {
  try {
    ws.close(CLOSE_CODES[refusal], refusal)
  } catch {
    // already closing
  }
  setTimeout(() => ws.terminate(), 1000).unref()
}
