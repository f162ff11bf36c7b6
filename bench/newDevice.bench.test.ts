import { inject, test } from 'vitest'
import { MemoryClient, createSpaceCredentials } from '../src/index'
import { seedUser } from './seed'
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
  while ((await c.db.messages.count()) < MESSAGES || (await c.db.memories.count()) < MEMORIES) await new Promise((r) => setTimeout(r, 20))
  const ms = performance.now() - t0
  console.log(table('New device (Chromium, real IndexedDB, real server on loopback)', [{ measure: `receives ${MEMORIES} memories + ${MESSAGES} messages`, seconds: (ms / 1000).toFixed(2), budget: '< 5 s' }]))
  a.close()
  c.close()
})
