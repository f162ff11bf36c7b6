import { afterEach, expect, test } from 'vitest'
import { MemoryClient } from '../../src/index'
import { followChanges } from '../../src/app/stores/changeFeed'
import { useClientStore } from '../../src/app/stores/clientStore'
import { reloadMemoryLayer } from '../../src/app/stores/actions'
import { useConversationStore } from '../../src/app/stores/conversationStore'
import { useMemoryStore } from '../../src/app/stores/memoryStore'
import { useNoticeStore } from '../../src/app/stores/noticeStore'
import { useSessionStore } from '../../src/app/stores/sessionStore'
import { useUserStore } from '../../src/app/stores/userStore'
import { countBlockReads } from './blockReads'
import { freshDbName } from './helpers'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

async function open(dbName: string): Promise<MemoryClient> {
  const c = await MemoryClient.open({ dbName, autoProcess: false })
  cleanup.push(() => c.close())
  return c
}

test("the app's open conversation appends another tab's new message, reading the last block's worth, not the session", async () => {
  const name = freshDbName('conv')
  const tab = await open(name)
  const other = await open(name)
  // this "tab" runs the app's stores on its client, following its change feed
  useClientStore.setState({ status: 'ready', client: tab, error: null })
  cleanup.push(followChanges(tab))
  const u = await other.createUser('ada')
  const s = await u.createSession()
  const n = 100
  for (let i = 0; i < n; i++) await s.addMessage(i % 2 ? 'assistant' : 'user', `message ${i}`)
  await expect.poll(() => useUserStore.getState().current?.uid).toBe(u.uid)
  await useSessionStore.getState().load({ selectNewest: true })
  expect(useSessionStore.getState().activeId).toBe(s.sessionId)
  await useConversationStore.getState().load(s.sessionId)
  expect(useConversationStore.getState().messages).toHaveLength(n)

  const reads = await countBlockReads(async () => {
    await s.addMessage('user', 'new from the other tab')
    await expect.poll(() => useConversationStore.getState().messages.at(-1)?.content, { timeout: 5000 }).toBe('new from the other tab')
    // the session list catches up too (its read is counted as well)
    await new Promise((r) => setTimeout(r, 300))
  })
  const shown = useConversationStore.getState().messages.map((m) => m.content)
  expect(shown).toEqual([...Array.from({ length: n }, (_, i) => `message ${i}`), 'new from the other tab'])
  // the session has 7 blocks (101 messages); the catch-up reads the tail (blocks 5 and 6) and the
  // session list the last block: never all of them
  expect(reads.rows).toBeLessThanOrEqual(4)
  expect(reads.messages).toBeLessThan(n / 2)

  // this tab's own message is shown once, and its change reads nothing more
  const own = await countBlockReads(async () => {
    const { sendMessage } = await import('../../src/app/stores/replyStore')
    await sendMessage('typed here')
    await new Promise((r) => setTimeout(r, 300))
  })
  expect(useConversationStore.getState().messages.map((m) => m.content).slice(-2)).toEqual(['new from the other tab', 'typed here'])
  expect(own.messages).toBeLessThan(n / 2)
})

test('a session processed elsewhere (another tab, or auto-processing) shows as processed with its memories and a notice, with no poll', async () => {
  const name = freshDbName('processed')
  const tab = await open(name)
  const other = await open(name)
  useClientStore.setState({ status: 'ready', client: tab, error: null })
  cleanup.push(followChanges(tab))
  const u = await other.createUser('ada')
  const s = await u.createSession()
  await s.addMessage('user', "I'm allergic to peanuts.")
  await expect.poll(() => useUserStore.getState().current?.uid).toBe(u.uid)
  await useSessionStore.getState().load({ selectNewest: true })
  await reloadMemoryLayer()
  expect(useSessionStore.getState().sessions.map((v) => v.status)).toEqual(['pending'])
  useNoticeStore.setState({ notices: [] })
  await s.process()
  await expect.poll(() => useSessionStore.getState().sessions.map((v) => v.status), { timeout: 5000 }).toEqual(['processed'])
  await expect.poll(() => useMemoryStore.getState().items.map((m) => m.content).join(' '), { timeout: 5000 }).toMatch(/peanut/i)
  await expect.poll(() => useNoticeStore.getState().notices.map((n) => n.text).join(' ')).toMatch(/Memory updated: 1 new/)
})
