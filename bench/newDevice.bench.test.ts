import { inject, test } from 'vitest'
import { MemoryClient, createSpaceCredentials } from '../src/index'
import { rowCounts, seedUser, waitForRows } from './seed'
import { countMessages } from '../src/store/messageBlocks'
import { table } from './stats'
import { internals } from '../tests/support/internals'

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
  const want = await rowCounts(a)
  const t0 = performance.now()
  const c = await MemoryClient.open({ dbName: `bench-nd-c-${Date.now()}`, sync, autoProcess: false })
  await waitForRows(c, want)
  const ms = performance.now() - t0
  const messages = await countMessages(internals(c).db)
  if (messages !== MESSAGES || want.memories !== MEMORIES) throw new Error(`expected ${MEMORIES} memories and ${MESSAGES} messages, got ${want.memories} and ${messages}`)
  console.log(table('New device (Chromium, real IndexedDB, real server on loopback)', [{ measure: `receives ${MEMORIES} memories + ${MESSAGES} messages`, seconds: (ms / 1000).toFixed(2), budget: '< 5 s' }]))
  a.close()
  c.close()
})
