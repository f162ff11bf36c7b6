import { inject, test } from 'vitest'
import { MemoryClient, createSpaceCredentials } from '../src/index'
import { uuidv7 } from '../src/core/ids'
import type { MemoryRecord, MessageRecord, SessionRecord } from '../src/core/types'
import { local } from '../src/pipeline/context'
import { setRecord, SPACE_DOC, userDocName } from '../src/sync/layout'
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
  for (let s = 0; s < sessions; s++) {
    await a.store.write([SPACE_DOC, userDocName(big.uid)], ([, udoc]) => {
      const at = new Date(Date.UTC(2024, 0, 1) + s * 3_600_000).toISOString()
      const sessionId = uuidv7()
      const rec: SessionRecord & { messageCount: number } = { sessionId, uid: big.uid, status: 'processed', metadata: {}, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: at, error: null, updatedAt: at, messageCount: PER_SESSION }
      local(udoc, () => {
        setRecord(udoc.getMap('sessions'), sessionId, rec, true)
        for (let m = 0; m < PER_SESSION; m++) {
          const msg: MessageRecord = { messageId: uuidv7(), sessionId, uid: big.uid, seq: m, role: m % 2 ? 'assistant' : 'user', content: `session ${s} message ${m}: an ordinary sentence of chat`, timestamp: at }
          setRecord(udoc.getMap('messages'), msg.messageId, msg, false)
        }
        for (let k = 0; k < MEMORIES / sessions; k++) {
          const id = uuidv7()
          const mem: MemoryRecord = { memoryId: id, uid: big.uid, chainId: id, prevVersionId: null, content: `User fact ${s}.${k} about something they said`, categories: ['personal'], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId, sourceMessageIds: [] }
          setRecord(udoc.getMap('memories'), id, mem, true)
        }
      })
    })
  }
  await a.whenSynced(120_000)
  const t0 = performance.now()
  const c = await MemoryClient.open({ dbName: `bench-nd-c-${Date.now()}`, sync, autoProcess: false })
  while ((await c.db.messages.count()) < MESSAGES || (await c.db.memories.count()) < MEMORIES) await new Promise((r) => setTimeout(r, 20))
  const ms = performance.now() - t0
  console.log(table('New device (Chromium, real IndexedDB, real server on loopback)', [{ measure: `receives ${MEMORIES} memories + ${MESSAGES} messages`, seconds: (ms / 1000).toFixed(2), budget: '< 5 s' }]))
  a.close()
  c.close()
})
