/**
 * The Keepsake sync server: Hocuspocus 3.x, one Hocuspocus document per Yjs document
 * (`<spaceId>/<docName>`), SQLite persistence, per-space token auth, limits, graceful stop.
 */
import { resolve as resolvePath } from 'node:path'
import { Server } from '@hocuspocus/server'
import {
  hashToken,
  isWellFormedToken,
  parseSyncDocumentName,
  syncRejectReason,
  type SpaceCredentials,
  type SyncRejectCode,
} from '../core/spaceToken'
import { SPACE_DOC, userDocName } from '../sync/layout'
import { deletedUids } from '../sync/transport/directory'
import { ConnectionTracker } from './ConnectionTracker'
import { DurablePersistence } from './DurablePersistence'
import { openStorage, redisExtension } from './storage'
import { resolveLimits, wsMaxPayload, type SyncLimits } from './limits'
import { createServerLog, errorText, type LogFormat, type SyncLogger } from './log'
import { checkIncomingMessage, RejectedMessage } from './messageGuard'
import { OpenRegistration } from './openRegistration'
import { PreAuthGuard } from './preAuthGuard'
import { refuseQuietly } from './quietRefusal'
import { sameHash } from './SpaceRegistry'

export const DEFAULT_PORT = 1234
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = './data'
export const SQLITE_FILE_NAME = 'keepsake-sync.sqlite'

export interface SyncServerOptions {
  /** Default 1234; 0 picks a free port (read it back from the handle). */
  port?: number
  /** Default 127.0.0.1 (loopback only). */
  host?: string
  /** Folder for the SQLite file `keepsake-sync.sqlite`; default ./data. Ignored if sqlitePath is given. */
  dataDir?: string
  sqlitePath?: string
  /**
   * A token for an unknown space registers that space when it proves the space's id (self-certifying
   * ids, src/server/openRegistration.ts), within limits.maxOpenSpaces and the registration rate
   * limits. Default false: only spaces created with createSpace / `--create-space`.
   */
  openRegistration?: boolean
  limits?: Partial<SyncLimits>
  /**
   * A PostgreSQL URL: keep the registry and documents there instead of the SQLite file, so that
   * several servers can share them (with `redis`). Durability is the same: acknowledged = committed.
   */
  postgres?: string
  /** A Redis URL: servers on the same Redis pass each other's updates (scale-out; use with `postgres`). */
  redis?: string
  /** Only errors are logged. */
  quiet?: boolean
  /** Replaces console logging (tests use it to see rejections); gets the escaped message. */
  log?: SyncLogger
  /** Console log lines: `text` (default) or `json` (one object per line). */
  logFormat?: LogFormat
  /** Hocuspocus `debounce` / `maxDebounce` for storing documents (defaults 2000 / 10000 ms). */
  storeDebounceMs?: number
  storeMaxDebounceMs?: number
  /** How long stop() waits for Hocuspocus to unload documents before storing the rest itself. */
  shutdownTimeoutMs?: number
}

export interface SyncServerHandle {
  /** ws://host:port */
  url: string
  port: number
  host: string
  sqlitePath: string
  openRegistration: boolean
  limits: SyncLimits
  /** Registers a new space; the secret is returned once and not kept by the server. */
  createSpace(): Promise<SpaceCredentials>
  /** Refuses new documents, closes every connection, stores every loaded document, closes the file. */
  stop(): Promise<void>
}

class Rejection {
  constructor(readonly reason: string) {}
}

export function resolveSqlitePath(options: Pick<SyncServerOptions, 'dataDir' | 'sqlitePath'>): string {
  if (options.sqlitePath) return options.sqlitePath === ':memory:' ? ':memory:' : resolvePath(options.sqlitePath)
  return resolvePath(options.dataDir ?? DEFAULT_DATA_DIR, SQLITE_FILE_NAME)
}

/** A Yjs update that adds nothing and deletes nothing (no clients, empty delete set). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}

export async function startSyncServer(options: SyncServerOptions = {}): Promise<SyncServerHandle> {
  const limits = resolveLimits(options.limits)
  const host = options.host ?? DEFAULT_HOST
  const requestedPort = options.port ?? DEFAULT_PORT
  const openRegistration = options.openRegistration ?? false
  const log = createServerLog({ format: options.logFormat, quiet: options.quiet, sink: options.log })
  const guard = new PreAuthGuard(limits, log)
  const sqlitePath = resolveSqlitePath(options)

  const { db, registry, store, where } = await openStorage({ sqlitePath, postgres: options.postgres })
  const tracker = new ConnectionTracker()
  let registration: OpenRegistration | undefined
  const persistence = new DurablePersistence(store, (what, error) =>
    log('error', 'storage-failed', `could not ${what}: {error:text}`, { error: errorText(error) }),
  )
  /** per socket and document: the last message's turn, so messages are applied in arrival order */
  const turns = new Map<string, Promise<unknown>>()
  /** per space: the uids whose deletion was already carried out here */
  const purged = new Map<string, Set<string>>()
  let stopping = false

  const reject = (code: SyncRejectCode, explanation: string, where: string): never => {
    log('warn', 'auth-refused', `refused {document}: ${code} ({explanation:text})`, { document: where, code, explanation })
    throw new Rejection(syncRejectReason(code, explanation))
  }

  const server = new Server(
    {
      name: 'keepsake-sync',
      port: requestedPort,
      address: host,
      quiet: true,
      stopOnSignals: false,
      debounce: options.storeDebounceMs ?? 2000,
      maxDebounce: options.storeMaxDebounceMs ?? 10_000,
      extensions: options.redis ? [redisExtension(options.redis), persistence] : [persistence],

      async onAuthenticate({ token, documentName, socketId, request }) {
        const where = documentName
        if (stopping) reject('server-shutting-down', 'the sync server is shutting down', where)
        const name = parseSyncDocumentName(documentName)
        if (!name) reject('invalid-document-name', 'document names are "<spaceId>/<docName>"', where)
        const { spaceId, docName } = name!
        if (!token) reject('missing-token', 'no token was presented', where)
        if (!isWellFormedToken(token)) reject('malformed-token', 'the token is not a derived space token', where)

        const presented = await hashToken(token)
        let expected = await registry.getTokenHash(spaceId)
        if (!expected) {
          if (!openRegistration) reject('unknown-space', `this server does not know space ${spaceId}`, where)
          registration ??= new OpenRegistration(registry, limits, log)
          const outcome = await registration.register(spaceId, token, request.socket.remoteAddress)
          if (!outcome.ok) reject(outcome.code, outcome.explanation, where)
          expected = (outcome as { tokenHash: string }).tokenHash
        }
        if (!sameHash(expected, presented)) reject('wrong-token', 'the token is not the one for this space', where)

        // A deleted user's document: a device that has not heard of the deletion may still open it.
        // It is admitted (a refusal would stop that device's whole sync) but takes no slot and is
        // never stored.
        const deleted = await registry.isDeleted(spaceId, docName)
        if (!deleted && !(await registry.admitDocument(spaceId, docName, limits.maxDocumentsPerSpace))) {
          reject('too-many-documents', `the space already has ${limits.maxDocumentsPerSpace} documents`, where)
        }
        const newSocket = !tracker.hasSocket(spaceId, socketId)
        if (!tracker.tryAdd(spaceId, socketId, docName, limits.maxConnectionsPerSpace)) {
          reject('too-many-connections', `the space already has ${limits.maxConnectionsPerSpace} connections`, where)
        }
        // Whatever path Hocuspocus takes later, the socket closing releases its slot.
        if (newSocket) request.socket.once('close', () => tracker.removeSocket(spaceId, socketId))
        guard.authenticated(request, socketId, documentName)
        return { spaceId, docName }
      },

      async onDisconnect({ documentName, socketId }) {
        guard.documentClosed(socketId, documentName)
        const name = parseSyncDocumentName(documentName)
        if (name) tracker.remove(name.spaceId, socketId, name.docName)
      },

      // A user deleted on a device leaves a tombstone in the space's directory: the server then
      // forgets that user's documents, the user document and the parts of its history (their rows,
      // and their slots in the space's cap) and never stores them again, even if a device that has
      // not heard of the deletion yet sends them.
      async onChange({ documentName, document }) {
        const name = parseSyncDocumentName(documentName)
        if (!name || name.docName !== SPACE_DOC) return
        let done = purged.get(name.spaceId)
        if (!done) purged.set(name.spaceId, (done = new Set()))
        const gone: string[] = []
        // (the devices' own deletion marks and tombstones: src/sync/transport/directory.ts)
        for (const uid of deletedUids(document)) if (!done.has(uid)) gone.push(uid)
        for (const uid of gone) {
          done.add(uid)
          const docName = userDocName(uid)
          const full = `${name.spaceId}/${docName}`
          try {
            // recorded first: from then on no store writes it (the store checks in the same statement)
            await registry.markDeleted(name.spaceId, docName)
            // The space document as it is now (its entry for the user emptied) replaces its logged
            // updates, which still hold the entry as it was; then the user document and every part of
            // its history (the names under it) go, and purge takes the old bytes off the disk.
            await store.fold(documentName, document)
            await store.purge(full)
            log('info', 'user-documents-deleted', 'deleted the documents of a deleted user: {document} and its parts', { document: full })
          } catch (error) {
            done.delete(uid) // tried again with the next change of the space document
            log('error', 'delete-failed', 'could not delete {document}: {error:text}', { document: full, error: errorText(error) })
          }
        }
      },

      // Durable acknowledgement: an update is appended to the update log, on disk, before Hocuspocus
      // applies it and answers the client's provider with its SyncStatus message (which is what
      // makes the provider count the change as synced). A message also waits for the one before it
      // on the same socket and document, so they are applied in the order they came.
      async beforeHandleMessage({ update: message, documentName, socketId, connection }) {
        let update: Uint8Array | null
        try {
          update = checkIncomingMessage(message, limits)
        } catch (error) {
          if (!(error instanceof RejectedMessage)) throw error
          log('warn', 'message-refused', 'refused a message for {document} from socket {socketId:text}: {reason:text}', { document: documentName, socketId, reason: error.reason })
          return refuseQuietly(connection, error)
        }
        // (appended at once, so consecutive updates share a commit; applied after the one before)
        const appended =
          update && !isEmptyUpdate(update)
            ? store.append(documentName, update).catch((error: unknown) => {
                // not acknowledged: the connection closes and the device sends the change again
                const why = error instanceof Error ? error.message : String(error)
                log('error', 'storage-failed', 'could not store an update of {document}: {error:text}', { document: documentName, error: why })
                throw new RejectedMessage(syncRejectReason('server-storage-failed', 'the server could not store the change; it will be sent again'))
              })
            : null
        appended?.catch(() => undefined) // (awaited below, after the message before it)
        const key = `${socketId}\n${documentName}`
        const previous = turns.get(key)
        const turn = (async () => {
          if (previous) await previous.catch(() => undefined)
          await appended
        })()
        turns.set(key, turn)
        try {
          await turn
        } catch (error) {
          if (error instanceof RejectedMessage) return refuseQuietly(connection, error)
          throw error
        } finally {
          if (turns.get(key) === turn) turns.delete(key)
        }
      },
    },
    { maxPayload: wsMaxPayload(limits) },
  )
  guard.install(server)

  await new Promise<void>((resolve, rejectListen) => {
    const onError = (error: Error) => rejectListen(error)
    server.httpServer.once('error', onError)
    server.listen().then(
      () => {
        server.httpServer.off('error', onError)
        resolve()
      },
      (error: unknown) => rejectListen(error),
    )
  }).catch(async (error: unknown) => {
    await db.close().catch(() => undefined)
    throw error
  })

  const port = server.address.port
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? 'localhost' : host
  const url = `ws://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`
  log(
    'info',
    'listening',
    `listening on ${url}; data in {where:text}${options.redis ? '; with Redis' : ''}; open registration ${openRegistration ? 'ON' : 'off'}; ` +
      `limits: ${limits.maxMessageBytes} bytes/message, ${limits.maxConnectionsPerSpace} connections/space, ` +
      `${limits.maxDocumentsPerSpace} documents/space, ${limits.authTimeoutMs} ms to authenticate, ` +
      `${limits.maxUnauthenticatedPerAddress}/${limits.maxUnauthenticatedSockets} unauthenticated sockets per address/in all, ` +
      `${limits.maxPreAuthBytes} bytes before authenticating`,
    { url, where, openRegistration },
  )

  let stopped: Promise<void> | null = null
  const stop = async (): Promise<void> => {
    stopping = true
    const timeoutMs = options.shutdownTimeoutMs ?? 10_000
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      server.destroy().then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ])
    clearTimeout(timer)
    guard.stop()
    if (timedOut) log('warn', 'shutdown-timeout', `documents were still loaded after ${timeoutMs} ms; storing them directly`, { timeoutMs })
    for (const document of server.hocuspocus.documents.values()) {
      if (document.isLoading) continue // a deleted user's document is refused by the statement itself
      // (what is not folded is in the update log, acknowledged updates included)
      await store.fold(document.name, document).catch((error: unknown) => {
        log('error', 'storage-failed', 'could not store {document} on stopping: {error:text}', { document: document.name, error: errorText(error) })
      })
    }
    for (const client of server.webSocketServer.clients) client.terminate()
    server.httpServer.closeAllConnections()
    await store.close()
    await db.close()
    log('info', 'stopped', 'stopped; every document is stored')
  }

  return {
    url,
    port,
    host,
    sqlitePath,
    openRegistration,
    limits,
    createSpace: () => registry.createSpace('api'),
    stop: () => (stopped ??= stop()),
  }
}
