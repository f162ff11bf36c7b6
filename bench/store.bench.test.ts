import Dexie from 'dexie'
import { test } from 'vitest'
import { MemoryClient } from '../src/index'
import { uuidv7 } from '../src/core/ids'
import type { MessageRecord } from '../src/core/types'
import { checkRecord, type RecordKind } from '../src/core/schema'
import { seedUser } from './seed'
import { countMessages } from '../src/store/messageBlocks'
import { median, p95, table, time } from './stats'
import { internals } from '../tests/support/internals'

const N_WRITES = 1000
const SESSIONS = Number(import.meta.env?.VITE_BENCH_SESSIONS ?? 1000)
const PER_SESSION = 100
const READS = 50

test('store benchmark', async () => {
  const rows: Record<string, string | number>[] = []

  // Floor: the same message row put into a bare Dexie table, one transaction per put.
  const bare = new Dexie(`bench-bare-${Date.now()}`)
  bare.version(1).stores({ messages: 'messageId, [sessionId+seq], [uid+timestamp]' })
  await bare.open()
  const bareTimes: number[] = []
  for (let i = 0; i < N_WRITES; i++) {
    const row: MessageRecord = { messageId: uuidv7(), sessionId: 's', uid: 'u', seq: i, role: 'user', content: `message number ${i} with some ordinary chat text`, timestamp: new Date().toISOString() }
    const [ms] = await time(() => bare.table('messages').put(row))
    bareTimes.push(ms)
  }
  bare.close()
  await Dexie.delete(bare.name)

  // addMessage through the whole stack: validation, Y transaction, update log + projection.
  const client = await MemoryClient.open({ dbName: `bench-store-${Date.now()}`, autoProcess: false })
  const user = await client.createUser('bench')
  const session = await user.createSession()
  const addTimes: number[] = []
  for (let i = 0; i < N_WRITES; i++) {
    const [ms] = await time(() => session.addMessage('user', `message number ${i} with some ordinary chat text`))
    addTimes.push(ms)
  }
  rows.push({ operation: `bare Dexie put (floor), ${N_WRITES} sequential`, median_ms: median(bareTimes), p95_ms: p95(bareTimes) })
  rows.push({ operation: `addMessage, ${N_WRITES} sequential`, median_ms: median(addTimes), p95_ms: p95(addTimes) })

  // Seed 100,000 messages in 1,000 sessions (one transaction per session) for the read benchmarks.
  const seedUserHandle = await client.createUser('reader')
  const [seedMs] = await time(() => seedUser(client, seedUserHandle.uid, { sessions: SESSIONS, messagesPerSession: PER_SESSION }))
  const total = await countMessages(internals(client).db, seedUserHandle.uid)
  const listTimes: number[] = []
  const lastTimes: number[] = []
  for (let i = 0; i < READS; i++) {
    const [a, page] = await time(() => seedUserHandle.listSessions({ offset: (i * 10) % 900, limit: 10 }))
    if (page.total !== SESSIONS) throw new Error(`expected ${SESSIONS} sessions, got ${page.total}`)
    listTimes.push(a)
    const [b, last] = await time(() => seedUserHandle.getLastNMessages(50))
    if (last.messages.length !== 50) throw new Error('expected 50 messages')
    lastTimes.push(b)
  }
  rows.push({ operation: `listSessions (10 of ${SESSIONS}), ${total} messages`, median_ms: median(listTimes), p95_ms: p95(listTimes) })
  rows.push({ operation: `getLastNMessages(50), ${total} messages`, median_ms: median(lastTimes), p95_ms: p95(lastTimes) })
  const ratio = median(addTimes) / median(bareTimes)
  console.log(table('Keepsake store benchmark (Chromium, real IndexedDB)', rows))
  console.log(`addMessage median / bare put median = ${ratio.toFixed(2)}x (budget 2x); seeding ${total} messages took ${(seedMs / 1000).toFixed(1)} s`)
  console.log(`reads: listSessions p95 ${p95(listTimes).toFixed(2)} ms, getLastNMessages p95 ${p95(lastTimes).toFixed(2)} ms (budget 20 ms)`)
  console.log(schemaCost())
  client.close()
})

/** What the schema check costs per record, for the records a device projects most. */
function schemaCost(): string {
  const at = new Date().toISOString()
  const samples: [RecordKind, Record<string, unknown>][] = [
    ['message', { sessionId: uuidv7(), seq: 3, role: 'user', content: 'message number 3 with some ordinary chat text', timestamp: at }],
    ['memory', { chainId: uuidv7(), prevVersionId: null, content: 'User is allergic to peanuts', categories: ['allergies'], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: uuidv7(), sourceMessageIds: [uuidv7()] }],
    ['session', { status: 'pending', metadata: { topic: 'travel' }, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: null, error: null, updatedAt: at, ownerDevice: uuidv7(), messageCount: 12 }],
  ]
  const n = 20_000
  const parts = samples.map(([kind, rec]) => {
    for (let i = 0; i < 2000; i++) checkRecord(kind, rec) // warm up
    const t0 = performance.now()
    for (let i = 0; i < n; i++) if (!checkRecord(kind, rec).ok) throw new Error(`${kind} sample fails its schema`)
    return `${kind} ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs`
  })
  return `schema check per record (valibot, ${n} each): ${parts.join(', ')}`
}
