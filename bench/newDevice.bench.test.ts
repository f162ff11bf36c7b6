import { inject, test } from 'vitest'
import { cdp } from 'vitest/browser'
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
  // a CPU profile of the page while it receives: whether the page's thread or the rest (IndexedDB in
  // the browser process, the server, the network) is what the new device waits for
  const profiler = cdp()
  await profiler.send('Profiler.enable')
  await profiler.send('Profiler.setSamplingInterval', { interval: 1000 })
  await profiler.send('Profiler.start')
  const t0 = performance.now()
  const c = await MemoryClient.open({ dbName: `bench-nd-c-${Date.now()}`, sync, autoProcess: false })
  // the first screen: the profile, its first page of sessions (the newest) and of memories
  let firstScreenMs = NaN
  let longest = 0
  let last = performance.now()
  const watch = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last - 10)
    last = now
  }, 10)
  const firstScreen = (async () => {
    for (;;) {
      const users = await c.listUsers()
      if (users.total === 1) {
        const u = users.users[0]
        const [s, m] = await Promise.all([u.listSessions({ limit: 10 }), u.listMemories({ limit: 10 })])
        if (s.sessions.length === 10 && m.items.length === 10) return (firstScreenMs = performance.now() - t0)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  })()
  // what has arrived, once a second: which documents come first and how fast
  const timeline: string[] = []
  const tick = setInterval(() => {
    void rowCounts(c).then((r) => timeline.push(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${r.memories}/${want.memories} memories, ${r.blocks}/${want.blocks} message blocks, ${internals(c).store.loadedDocNames().length} documents loaded`))
  }, 1000)
  await waitForRows(c, want)
  const ms = performance.now() - t0
  clearInterval(tick)
  console.log(`received over time:\n${timeline.join('\n')}`)
  console.log(summarizeProfile(((await profiler.send('Profiler.stop')) as { profile: CpuProfile }).profile))
  await firstScreen
  clearInterval(watch)
  {
    const u = (await c.listUsers()).users[0]
    let t = performance.now(); await c.listUsers(); const lu = performance.now() - t
    t = performance.now(); await u.listSessions({ limit: 10 }); const ls = performance.now() - t
    t = performance.now(); await u.listMemories({ limit: 10 }); const lm = performance.now() - t
    console.log(`reads when done: listUsers ${lu.toFixed(0)} ms, listSessions ${ls.toFixed(0)} ms, listMemories ${lm.toFixed(0)} ms`)
    await new Promise((r) => setTimeout(r, 4000))
    t = performance.now(); await c.listUsers(); const lu2 = performance.now() - t
    t = performance.now(); await u.listSessions({ limit: 10 }); const ls2 = performance.now() - t
    t = performance.now(); await u.listMemories({ limit: 10 }); const lm2 = performance.now() - t
    console.log(`reads 4 s later: listUsers ${lu2.toFixed(0)} ms, listSessions ${ls2.toFixed(0)} ms, listMemories ${lm2.toFixed(0)} ms; loaded ${internals(c).store.loadedDocNames().length}`)
  }
  const messages = await countMessages(internals(c).db)
  if (messages !== MESSAGES || want.memories !== MEMORIES) throw new Error(`expected ${MEMORIES} memories and ${MESSAGES} messages, got ${want.memories} and ${messages}`)
  const progress = c.syncStatus.progress
  console.log(
    table('New device (Chromium, real IndexedDB, real server on loopback)', [
      { measure: 'first screen: the profile, 10 newest sessions, 10 memories', seconds: (firstScreenMs / 1000).toFixed(2), budget: '< 1 s' },
      { measure: `everything: ${MEMORIES} memories + ${MESSAGES} messages`, seconds: (ms / 1000).toFixed(2), budget: '< 5 s' },
      { measure: `longest main-thread stall while receiving (10 ms timer); documents: ${progress?.synced}/${progress?.total}`, seconds: (longest / 1000).toFixed(3), budget: '≈ 0.1 s' },
    ]),
  )
  a.close()
  c.close()
})

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

/** The page's thread while receiving: idle against busy, and the functions that took the most time. */
function summarizeProfile(profile: CpuProfile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()?.replace(/\?.*/, '') ?? ''}:${f.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const idle = self.get('(idle) :0') ?? 0
  const top = [...self].filter(([k]) => k !== '(idle) :0').sort((a, b) => b[1] - a[1]).slice(0, 12)
  return [`page thread while receiving: ${(total / 1000).toFixed(1)} s, idle ${(idle / 1000).toFixed(1)} s (${((100 * idle) / total).toFixed(0)}%); most self time:`, ...top.map(([k, v]) => `  ${v.toFixed(0)} ms ${k}`)].join('\n')
}
