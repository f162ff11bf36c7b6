import Dexie from 'dexie'
import { inject, test } from 'vitest'
import { MemoryClient, type Session, type User } from '../src/index'
import { uuidv7 } from '../src/core/ids'
import type { MemoryRecord, MessageRecord, SessionRecord } from '../src/core/types'
import { partDocName, partKeyOf, SPACE_DOC, userDocName } from '../src/sync/layout'
import { LOCAL_ORIGIN } from '../src/sync/origins'
import { countMessages } from '../src/store/messageBlocks'
import { internals } from '../tests/support/internals'
import { median, p95, time } from './stats'

/**
 * Issue 12's benchmark: how opening, the first write after a reload, later writes, reads and the heap
 * grow with one user's history (1,000 / 10,000 / 100,000 messages by default; BENCH_SCALE_SIZES=1000,10000
 * to change). A measurement, not a test: it asserts only that the data is there.
 */

const PER_SESSION = 100
const MEMORIES_PER_SESSION = 3
const WRITES_AFTER = 50
const READS = 20
const REOPENS = 3
const FLOOR_PUTS = 300
const USER_ID = 'scale'
const CATEGORIES = ['personal', 'preferences', 'relationships', 'work', 'interests', 'events', 'family', 'goals']

const turns = inject('scaleTurns') ?? null
const turnsSource = inject('scaleTurnsSource') ?? 'no dataset provided (run through npm run bench:scale): generated sentences'
const sizes = inject('scaleSizes') ?? [1000, 10_000, 100_000]

/** The i-th text: LoCoMo turns cycled, or generated sentences when the dataset is missing. */
function text(i: number): string {
  if (turns) return turns[i % turns.length]
  const subjects = ['I', 'My sister', 'Our team', 'The neighbour', 'My friend Sam', 'We']
  const verbs = ['went to', 'talked about', 'finally finished', 'started planning', 'keep thinking about', 'signed up for']
  const objects = ['the pottery class', 'a trip to Lisbon', 'the garden project', 'a new job at the library', 'the charity run', 'that book on birds']
  const tails = ['last weekend.', 'and it felt great!', 'because it matters to me.', 'with a few friends.', 'though it was hard at first.', 'next month, I hope.']
  return `${subjects[i % 6]} ${verbs[Math.floor(i / 6) % 6]} ${objects[Math.floor(i / 36) % 6]} ${tails[Math.floor(i / 216) % 6]}`
}

type Heap = { usedJSHeapSize: number }
const gc = (globalThis as { gc?: () => void }).gc
function heapNowMB(): number {
  const mem = (performance as Performance & { memory?: Heap }).memory
  return mem ? mem.usedJSHeapSize / 1_048_576 : NaN
}
async function heapMB(): Promise<number> {
  if (gc) {
    // two passes and a turn of the event loop, so that weak refs and finalizers settle
    gc()
    await new Promise((r) => setTimeout(r, 50))
    gc()
  }
  const mem = (performance as Performance & { memory?: Heap }).memory
  return mem ? mem.usedJSHeapSize / 1_048_576 : NaN
}

/**
 * One user with `sessions` sessions of 100 messages, every session marked processed with about three
 * memories each: one store write (one Y transaction, one IndexedDB transaction) per session, through
 * the same document layout as the API (like bench/seed.ts seedUser, with LoCoMo text and one session a
 * day, the last one today: 1,000 sessions are about 33 months, so this month's part holds a month).
 */
async function seed(client: MemoryClient, uid: string, sessions: number): Promise<void> {
  let t = 0
  const start = Date.now() - sessions * 86_400_000
  for (let s = 0; s < sessions; s++) {
    const at = new Date(start + s * 86_400_000).toISOString()
    await internals(client).store.write([SPACE_DOC, userDocName(uid), partDocName(uid, partKeyOf(at))], (tx) => {
      const user = tx.user(uid)
      const done = new Date(start + s * 86_400_000 + PER_SESSION * 30_000 + 600_000).toISOString()
      const sessionId = uuidv7()
      const rec: SessionRecord & { messageCount: number } = { sessionId, uid, status: 'processed', metadata: { n: s }, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: done, error: null, updatedAt: done, messageCount: PER_SESSION }
      user.doc.transact(() => {
        user.sessions.set(sessionId, rec)
        const ids: string[] = []
        for (let m = 0; m < PER_SESSION; m++) {
          const msg: MessageRecord = { messageId: uuidv7(), sessionId, uid, seq: m, role: m % 2 ? 'assistant' : 'user', content: text(t++), timestamp: new Date(Date.parse(at) + m * 30_000).toISOString() }
          ids.push(msg.messageId)
          user.messages.append(msg)
        }
        for (let k = 0; k < MEMORIES_PER_SESSION; k++) {
          const id = uuidv7()
          const source = ids[(k * 37) % PER_SESSION]
          const mem: MemoryRecord = { memoryId: id, uid, chainId: id, prevVersionId: null, content: `User mentioned: ${text(t - PER_SESSION + ((k * 37) % PER_SESSION)).slice(0, 200)}`, categories: [CATEGORIES[(s + k) % CATEGORIES.length]], eventDateStart: null, eventDateEnd: null, createdAt: done, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId, sourceMessageIds: [source] }
          user.memories.set(id, mem)
        }
      }, LOCAL_ORIGIN)
    })
  }
}

/** The floor: the same kind of message row put into a bare Dexie table, one transaction per put. */
async function barePutMedian(): Promise<number> {
  const bare = new Dexie(`bench-scale-bare-${Date.now()}`)
  bare.version(1).stores({ messages: 'messageId, [sessionId+seq], [uid+timestamp]' })
  await bare.open()
  const times: number[] = []
  for (let i = 0; i < FLOOR_PUTS; i++) {
    const row: MessageRecord = { messageId: uuidv7(), sessionId: 's', uid: 'u', seq: i, role: 'user', content: text(i), timestamp: new Date().toISOString() }
    const [ms] = await time(() => bare.table('messages').put(row))
    times.push(ms)
  }
  bare.close()
  await Dexie.delete(bare.name)
  return median(times)
}

interface Measured {
  messages: number
  sessions: number
  memories: number
  seedS: number
  heapBeforeMB: number
  openMs: number
  firstWriteMs: number
  heapMB: number
  rawHeapMB: number
  addMedianMs: number
  addP95Ms: number
  listMs: number
  lastMs: number
  /** the first getContext after the reopen (builds the search index) and the median of the next ones */
  ctxFirstMs: number
  ctxMs: number
  /** the heap after getContext (after gc): what the search index adds */
  ctxHeapMB: number
  samples: { open: number[]; first: number[]; heap: number[] }
}
type Figure = Exclude<keyof Measured, 'samples'>

async function measure(messages: number): Promise<Measured> {
  const sessions = Math.max(1, Math.round(messages / PER_SESSION))
  const dbName = `bench-scale-${messages}-${Date.now()}`
  const seeding = await MemoryClient.open({ dbName, autoProcess: false })
  const seeded = await seeding.createUser(USER_ID)
  const [seedMs] = await time(() => seed(seeding, seeded.uid, sessions))
  const stored = await countMessages(internals(seeding).db, seeded.uid)
  const memories = await internals(seeding).db.memories.count()
  if (stored !== sessions * PER_SESSION) throw new Error(`seeded ${stored} messages, expected ${sessions * PER_SESSION}`)
  seeding.close()

  // a page reload: a new client on the same database, nothing of the old one in memory; done REOPENS
  // times (each adds one session of one message) and the median taken, as one first write is one sample
  const opens: number[] = []
  const firsts: number[] = []
  const heaps: number[] = []
  const rawHeaps: number[] = []
  const befores: number[] = []
  let client: MemoryClient | undefined
  let user: User | undefined
  let session: Session | undefined
  for (let r = 0; r < REOPENS; r++) {
    client?.close()
    befores.push(await heapMB())
    const [openMs, c] = await time(() => MemoryClient.open({ dbName, autoProcess: false }))
    client = c
    user = await client.getUser(USER_ID)
    const u = user
    const [firstWriteMs, s] = await time(async () => {
      const s = await u.createSession()
      await s.addMessage('user', text(7 + r))
      return s
    })
    session = s
    rawHeaps.push(heapNowMB())
    heaps.push(await heapMB())
    opens.push(openMs)
    firsts.push(firstWriteMs)
  }
  if (!client || !user || !session) throw new Error('no reopen')
  const adds: number[] = []
  for (let i = 0; i < WRITES_AFTER; i++) {
    const [ms] = await time(() => session.addMessage(i % 2 ? 'assistant' : 'user', text(1000 + i)))
    adds.push(ms)
  }
  const lists: number[] = []
  const lasts: number[] = []
  for (let i = 0; i < READS; i++) {
    const [a, page] = await time(() => user.listSessions({ offset: 0, limit: 10 }))
    if (page.total !== sessions + REOPENS) throw new Error(`expected ${sessions + REOPENS} sessions, got ${page.total}`)
    lists.push(a)
    const [b, last] = await time(() => user.getLastNMessages(50))
    if (last.messages.length !== 50) throw new Error(`expected 50 messages, got ${last.messages.length}`)
    lasts.push(b)
  }
  const [ctxFirstMs, ctx] = await time(() => session.getContext())
  if (!ctx.context) throw new Error('getContext returned no context')
  const ctxs: number[] = []
  for (let i = 0; i < READS; i++) ctxs.push((await time(() => session.getContext()))[0])
  const ctxHeapMB = await heapMB()
  await client.destroyAllData()
  return { ctxFirstMs, ctxMs: median(ctxs), ctxHeapMB, messages: stored, sessions, memories, seedS: seedMs / 1000, heapBeforeMB: median(befores), openMs: median(opens), firstWriteMs: median(firsts), heapMB: median(heaps), rawHeapMB: median(rawHeaps), samples: { open: opens, first: firsts, heap: heaps }, addMedianMs: median(adds), addP95Ms: p95(adds), listMs: median(lists), lastMs: median(lasts) }
}

test('scale: one user with years of history', async () => {
  const t0 = performance.now()
  const floorBefore = await barePutMedian()
  // warm-up at the smallest size, thrown away, so the first measured size does not pay for a cold JIT
  // alone (a real reload is cold at every size; here every measured size is warm)
  await measure(Math.min(...sizes))
  const runs: Measured[] = []
  for (const n of sizes) {
    runs.push(await measure(n))
    console.log(`bench:scale: ${n} messages measured (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`)
  }
  const floorAfter = await barePutMedian()
  const floor = median([floorBefore, floorAfter])
  console.log(report(runs, floor, floorBefore, floorAfter, (performance.now() - t0) / 1000))
})

function report(runs: Measured[], floor: number, floorBefore: number, floorAfter: number, totalS: number): string {
  const first = runs[0]
  const last = runs[runs.length - 1]
  const fmt = (v: number, unit: string) => (Number.isNaN(v) ? 'n/a' : v >= 100 ? `${v.toFixed(0)} ${unit}` : v >= 10 ? `${v.toFixed(1)} ${unit}` : `${v.toFixed(2)} ${unit}`)
  const ratio = (k: Figure) => (runs.length > 1 && first[k] > 0 ? `${(last[k] / first[k]).toFixed(2)}x` : 'n/a')
  const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER')
  const firstBudget = verdict(last.firstWriteMs <= 150 && (runs.length < 2 || last.firstWriteMs <= 2 * first.firstWriteMs))
  const rows: [string, Figure, string, string, string][] = [
    [`MemoryClient.open, median of ${REOPENS} reopens`, 'openMs', 'ms', '', ''],
    [`first write after reopen (createSession + addMessage), median of ${REOPENS}`, 'firstWriteMs', 'ms', '≤ 150 ms and ≤ 2x its 1k value', firstBudget],
    ['JS heap after that first write (after gc), median', 'heapMB', 'MB', '≤ 150 MB', verdict(last.heapMB <= 150)],
    ['JS heap right after that first write (no gc: garbage included)', 'rawHeapMB', 'MB', '', ''],
    [`addMessage median of the next ${WRITES_AFTER}`, 'addMedianMs', 'ms', `≤ 2x bare put = ${(2 * floor).toFixed(2)} ms`, verdict(last.addMedianMs <= 2 * floor)],
    [`addMessage p95 of the next ${WRITES_AFTER}`, 'addP95Ms', 'ms', '', ''],
    ['listSessions (first 10), median', 'listMs', 'ms', '', ''],
    ['getLastNMessages(50), median', 'lastMs', 'ms', '', ''],
    ['first getContext after reopen (builds the search index)', 'ctxFirstMs', 'ms', '', ''],
    ['getContext, median of the next ones', 'ctxMs', 'ms', '', ''],
    ['JS heap after getContext (after gc)', 'ctxHeapMB', 'MB', '', ''],
    ['JS heap before reopen (after gc, bench data included)', 'heapBeforeMB', 'MB', '', ''],
    ['seeding time (not a product figure)', 'seedS', 's', '', ''],
  ]
  const largest = `at ${last.messages.toLocaleString('en')}`
  const header = ['measure', ...runs.map((r) => `${r.messages.toLocaleString('en')} msgs`), `${last.messages / first.messages}x data: ratio`, `budget ${largest}`, 'verdict']
  const body = rows.map(([label, k, unit, budget, v]) => [label, ...runs.map((r) => fmt(r[k], unit)), ratio(k), budget, v])
  body.push(['addMessage median / bare Dexie put median', ...runs.map((r) => `${(r.addMedianMs / floor).toFixed(2)}x`), ratio('addMedianMs'), '≤ 2x', verdict(last.addMedianMs <= 2 * floor)])
  body.push(['sessions / memories', ...runs.map((r) => `${r.sessions} / ${r.memories}`), '', '', ''])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |'
  return [
    '',
    'Keepsake scale benchmark (issue 12): one user, Chromium, real IndexedDB, public API after a reopen',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `floor: bare Dexie put median ${floor.toFixed(2)} ms (${FLOOR_PUTS} sequential puts before: ${floorBefore.toFixed(2)} ms, after: ${floorAfter.toFixed(2)} ms)`,
    ...runs.map((r) => `samples at ${r.messages}: open ${r.samples.open.map((v) => v.toFixed(1)).join(', ')} ms; first write ${r.samples.first.map((v) => v.toFixed(1)).join(', ')} ms; heap ${r.samples.heap.map((v) => v.toFixed(1)).join(', ')} MB`),
    `text: ${turnsSource}`,
    `seeded through the internal store, not the engine: one Y + IndexedDB transaction per session of ${PER_SESSION} messages, each session marked processed with ${MEMORIES_PER_SESSION} memories written directly (the rules engine was not run)`,
    `reopen = client.close() then MemoryClient.open on the same database in the same page (autoProcess off, no sync; warm JIT: a discarded warm-up run at the smallest size came first); heap = performance.memory.usedJSHeapSize, ${gc ? 'after a forced gc() (--js-flags=--expose-gc)' : 'WITHOUT a forced gc (gc() not exposed)'}, no getContext call`,
    'new device (first screen ≤ 1 s, everything ≤ 5 s for 10,000 memories + 50,000 messages): not measured here, see `npm run bench:sync` (bench/newDevice.bench.test.ts)',
    `whole run ${totalS.toFixed(0)} s`,
  ].join('\n')
}
