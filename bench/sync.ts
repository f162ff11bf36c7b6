/**
 * `npm run bench:sync`: two headless clients (Node, fake-indexeddb, the `ws` WebSocket) through the
 * real sync server on loopback. Prints write-to-visible latency, the time a new device takes to
 * receive a large space, and bytes on the wire and on disk per message against its JSON size.
 */
import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { MemoryClient, createSpaceCredentials, type SyncConfig } from '../src/index'
import { partDocName, partKeyOf } from '../src/sync/layout'
import { rowCounts, seedUser, waitForRows } from './seed'
import { countMessages, lastSessionMessage } from '../src/store/messageBlocks'
import { startSyncServer } from '../src/server/index'
import { median, p95, table } from './stats'
import { internals } from '../tests/support/internals'

const WRITES = Number(process.env.BENCH_WRITES ?? 500)
const MEMORIES = Number(process.env.BENCH_MEMORIES ?? 10_000)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000)

/** A WebSocket that counts the bytes it sends and receives. */
const wire = { sent: 0, received: 0 }
class CountingWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols)
    this.on('message', (data: Buffer) => (wire.received += data.byteLength))
  }
  override send(data: unknown, ...rest: unknown[]): void {
    wire.sent += (data as ArrayBufferLike).byteLength ?? String(data).length
    ;(super.send as (...a: unknown[]) => void)(data, ...rest)
  }
}

async function open(name: string, sync: SyncConfig) {
  return MemoryClient.open({ dbName: `${name}-${Date.now()}`, sync, autoProcess: false, WebSocketPolyfill: CountingWebSocket })
}

/** Bytes the server's SQLite file stores for one document (its folded state and the updates logged since). */
async function serverDocBytes(sqlitePath: string, name: string): Promise<number> {
  const sqlite3 = (await import('sqlite3')).default
  const db = new sqlite3.Database(sqlitePath)
  const bytes = await new Promise<number>((resolve, reject) =>
    db.get('SELECT (SELECT coalesce(sum(length(data)), 0) FROM documents WHERE name = $n) + (SELECT coalesce(sum(length(data)), 0) FROM keepsake_updates WHERE name = $n) AS n', { $n: name }, (err: Error | null, row: { n: number } | undefined) => (err ? reject(err) : resolve(row?.n ?? 0))),
  )
  await new Promise((r) => db.close(r))
  return bytes
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'keepsake-bench-sync-'))
  const server = await startSyncServer({ port: 0, dataDir, openRegistration: true,
    // every test (or device) registers its own space from 127.0.0.1: far more than a person would
    limits: { maxOpenSpaces: 100_000, registrationsPerMinutePerAddress: 100_000, registrationsPerMinute: 100_000 },
    quiet: true, storeDebounceMs: 200, storeMaxDebounceMs: 1000 })
  const { spaceId, secret } = await createSpaceCredentials()
  const sync = { url: server.url, spaceId, secret }
  const a = await open('bench-a', sync)
  const b = await open('bench-b', sync)
  const rows: Record<string, string | number>[] = []

  // 1. write on A -> visible (projected) on B
  const user = await a.createUser('bench')
  const session = await user.createSession()
  await a.whenSynced(30_000)
  await b.whenSynced(30_000)
  const latencies: number[] = []
  const wireBefore = wire.sent + wire.received
  let jsonBytes = 0
  for (let i = 0; i < WRITES; i++) {
    const content = `message ${i}: an ordinary sentence someone might type into a chat`
    const t0 = performance.now()
    const m = await session.addMessage('user', content)
    jsonBytes += JSON.stringify({ role: 'user', content, timestamp: m.timestamp, sessionId: m.sessionId, messageId: m.messageId }).length
    while ((await lastSessionMessage(internals(b).db, session.sessionId))?.messageId !== m.messageId) await new Promise((r) => setTimeout(r, 1))
    latencies.push(performance.now() - t0)
  }
  const wirePerMessage = (wire.sent + wire.received - wireBefore) / WRITES
  rows.push({ measure: `write on A -> projected on B (${WRITES} writes)`, median: `${median(latencies).toFixed(1)} ms`, p95: `${p95(latencies).toFixed(1)} ms`, budget: 'median < 50 ms' })

  // bytes per message: on the wire (both directions, both clients), in the client's log, on the server
  // (the messages are in the part of the session's month, not in the user document)
  const part = partDocName(user.uid, partKeyOf(session.createdAt.toISOString()))
  await internals(a).store.compact(part)
  const logBytes = (await internals(a).db.updates.toArray()).filter((r) => r.doc === part).reduce((n, r) => n + r.data.byteLength, 0)
  const jsonPerMessage = jsonBytes / WRITES
  await new Promise((r) => setTimeout(r, 1500)) // the server's store debounce
  const serverBytes = await serverDocBytes(server.sqlitePath, `${spaceId}/${part}`)

  // 2. a new device receives a space of MEMORIES memories and MESSAGES messages
  const big = await a.createUser('big')
  const perSession = 100
  const sessions = MESSAGES / perSession
  await seedUser(a, big.uid, { sessions, messagesPerSession: perSession, memoriesPerSession: MEMORIES / sessions, status: 'processed' })
  await a.whenSynced(120_000)
  const memCount = await internals(a).db.memories.where('uid').equals(big.uid).count().catch(() => MEMORIES)
  const want = await rowCounts(a)
  const t0 = performance.now()
  const c = await open('bench-new-device', sync)
  const targetMessages = WRITES + MESSAGES
  await waitForRows(c, want)
  const newDeviceMs = performance.now() - t0
  const received = await countMessages(internals(c).db)
  if (received !== targetMessages) throw new Error(`expected ${targetMessages} messages on the new device, got ${received}`)
  rows.push({ measure: `new device receives ${MEMORIES} memories + ${MESSAGES} messages`, median: `${(newDeviceMs / 1000).toFixed(2)} s`, p95: '', budget: '< 5 s' })

  console.log(table('Keepsake sync benchmark (Node clients with fake-indexeddb, real Hocuspocus server on loopback)', rows))
  console.log(
    table('Bytes per message', [
      { where: 'JSON of the message', bytes: Math.round(jsonPerMessage), ratio: '1.00x' },
      { where: 'wire (A up + B down, with sync acks)', bytes: Math.round(wirePerMessage), ratio: `${(wirePerMessage / jsonPerMessage).toFixed(2)}x` },
      { where: 'client log after compaction', bytes: Math.round(logBytes / WRITES), ratio: `${(logBytes / WRITES / jsonPerMessage).toFixed(2)}x` },
      { where: 'server: stored Yjs state of the session\'s part', bytes: Math.round(serverBytes / WRITES), ratio: `${(serverBytes / WRITES / jsonPerMessage).toFixed(2)}x` },
    ]),
  )
  console.log(`budgets: write-to-visible median < 50 ms; new device < 5 s; storage overhead < 2x JSON. (memories seeded: ${memCount})`)
  for (const x of [a, b, c]) x.close()
  await server.stop()
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
