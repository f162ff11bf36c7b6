import { inject, test } from 'vitest'
import { MemoryClient, createSpaceCredentials } from '../src/index'
import { seedUser } from './seed'
import { countMessages } from '../src/store/messageBlocks'
import { table } from './stats'

const MEMORIES = 10_000
const MESSAGES = 50_000
const PER_SESSION = 100

/** The new-device part of the sync benchmark, in Chromium with real IndexedDB, through the real server. */
test('a new device receives a large space', async () => {
  const { spaceId, secret } = await createSpaceCredentials()
  const sync = { url: inject('syncUrl'), spaceId, secret }
  const a = await MemoryClient.open({ dbName: `bench-nd-a-${Date.now()}`, sync, autoProcess: false })
  const big = await a.createUser('big')
  const sessions = MESSAGES / PER_SESSION
  await seedUser(a, big.uid, { sessions, messagesPerSession: PER_SESSION, memoriesPerSession: MEMORIES / sessions, status: 'processed' })
  await a.whenSynced(120_000)
  const t0 = performance.now()
  const c = await MemoryClient.open({ dbName: `bench-nd-c-${Date.now()}`, sync, autoProcess: false })
  // every row is in when the counts of memory rows and message blocks reach A's (cheap to poll)
  const [memRows, blockRows] = [await a.db.memories.count(), await a.db.messageBlocks.count()]
  while ((await c.db.memories.count()) < memRows || (await c.db.messageBlocks.count()) < blockRows) await new Promise((r) => setTimeout(r, 20))
  const ms = performance.now() - t0
  const messages = await countMessages(c.db)
  if (messages !== MESSAGES || memRows !== MEMORIES) throw new Error(`expected ${MEMORIES} memories and ${MESSAGES} messages, got ${memRows} and ${messages}`)
  console.log(table('New device (Chromium, real IndexedDB, real server on loopback)', [{ measure: `receives ${MEMORIES} memories + ${MESSAGES} messages`, seconds: (ms / 1000).toFixed(2), budget: '< 5 s' }]))
  a.close()
  c.close()
})
