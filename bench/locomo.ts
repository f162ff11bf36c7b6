/**
 * LoCoMo retrieval benchmark: mean evidence recall of getContext's ranked retrieval list at 10 and 50
 * items, per question category, plus getContext latency and the import/processing time.
 *
 *   npm run bench:locomo [-- --conversations 3] [-- --tuning '{"speakerBoost":0}'] [-- --json out.json]
 *
 * The data set (LoCoMo, CC BY-NC 4.0, Maharana et al. 2024) is read from ../shared/datasets/locomo
 * beside the repository and never copied into it.
 *
 * Each conversation becomes a user with one session per LoCoMo session (created at the session's
 * date, UTC), both speakers' turns as messages `"Speaker: text"`, processed by the default (rules)
 * engine. Each question of categories 1-4 is then asked through getContext({ query }) on a fresh
 * session dated a day after the conversation's last session.
 *
 * The ranked list: the retrieval result list that getContext selected its context from (memories,
 * messages and documents, best first, up to maxTopK = 50 items). An evidence turn counts as retrieved
 * at k when its message, or a memory whose sourceMessageIds include that message, is among the first k
 * items. Recall of a question = retrieved evidence turns / its evidence turns; malformed evidence ids
 * (e.g. "D8:6; D9:17") and ids of no turn are skipped, and questions left with none are not counted.
 * Nothing about the answers or the evidence is used at query time.
 */
import 'fake-indexeddb/auto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MemoryClient } from '../src/index'
import { getContextDetails } from '../src/retrieval/getContext'
import { DEFAULT_TUNING, type SearchTuning } from '../src/retrieval/SearchIndex'
import { internals } from '../tests/support/internals'

interface Turn {
  speaker: string
  dia_id: string
  text: string
}
interface QA {
  question: string
  evidence?: string[]
  category: number
}
interface Conversation {
  sample_id: string
  conversation: Record<string, unknown> & { speaker_a: string; speaker_b: string }
  qa: QA[]
}

const CATEGORY_NAMES: Record<number, string> = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' }

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/** "1:56 pm on 8 May, 2023" -> that time, UTC */
export function parseLocomoDate(s: string): Date {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(s)
  if (!m) throw new Error(`Unrecognised LoCoMo date: ${s}`)
  const months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
  const month = months.indexOf(m[5].toLowerCase())
  if (month < 0) throw new Error(`Unrecognised month in ${s}`)
  let hour = Number(m[1]) % 12
  if (m[3].toLowerCase() === 'pm') hour += 12
  return new Date(Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2])))
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

async function main() {
  const file = new URL('../../shared/datasets/locomo/locomo10.json', import.meta.url)
  if (!existsSync(fileURLToPath(file))) {
    console.error(`LoCoMo not found at ${fileURLToPath(file)} (see /work/shared/datasets/locomo/README.md)`)
    process.exit(1)
  }
  const tuning = arg('tuning')
  if (tuning) Object.assign(DEFAULT_TUNING, JSON.parse(tuning) as Partial<SearchTuning>)
  const data = JSON.parse(readFileSync(file, 'utf8')) as Conversation[]
  const limit = Number(arg('conversations') ?? data.length)
  const conversations = data.slice(0, limit)

  const client = await MemoryClient.open({ dbName: `locomo-bench-${Date.now()}`, autoProcess: false })
  const K = [10, 50]
  type Row = { n: number; recall: number[]; selected: number; selectedCount: number }
  const rows = new Map<number, Row>()
  const latencies: number[] = []
  const firstUse: number[] = []
  let importMs = 0
  let processMs = 0
  let messages = 0
  let memories = 0
  let skippedEvidence = 0

  for (const conv of conversations) {
    const c = conv.conversation
    const sessionKeys = Object.keys(c)
      .filter((k) => /^session_\d+$/.test(k) && Array.isArray(c[k]))
      .sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]))
    const t0 = performance.now()
    const user = await client.createUser(`locomo-${conv.sample_id}`, { metadata: { speakers: [c.speaker_a, c.speaker_b] } })
    const diaToMessage = new Map<string, string>()
    const sessions = []
    let last = new Date(0)
    for (const key of sessionKeys) {
      const start = parseLocomoDate(String(c[`${key}_date_time`]))
      if (start > last) last = start
      const session = await user.createSession({ customCreatedAtUtc: start, autoProcessAfterSeconds: 0 })
      let i = 0
      for (const turn of c[key] as Turn[]) {
        const timestamp = new Date(start.getTime() + i++ * 30_000)
        const m = await session.addMessage('user', `${turn.speaker}: ${turn.text}`, { timestamp })
        diaToMessage.set(turn.dia_id, m.messageId)
        messages++
      }
      sessions.push(session)
    }
    const t1 = performance.now()
    for (const s of sessions) {
      await s.process()
      if (s.status !== 'processed') console.warn(`session ${s.sessionId} of ${conv.sample_id}: ${s.status} ${s.error ?? ''}`)
    }
    const t2 = performance.now()
    importMs += t1 - t0
    processMs += t2 - t1
    memories += (await user.listMemories({ limit: 1 })).total

    const asking = await user.createSession({ customCreatedAtUtc: new Date(last.getTime() + 86_400_000) })
    const target = { uid: user.uid, userId: user.userId, sessionId: asking.sessionId }
    let first = true
    for (const qa of conv.qa) {
      if (!(qa.category >= 1 && qa.category <= 4)) continue
      const evidence: string[] = []
      for (const e of qa.evidence ?? []) {
        const id = /^D\d+:\d+$/.test(e.trim()) ? diaToMessage.get(e.trim()) : undefined
        if (id) evidence.push(id)
        else skippedEvidence++
      }
      if (!evidence.length) continue
      const q0 = performance.now()
      const details = await getContextDetails(internals(client).ctx, target, { query: qa.question, maxTopK: 50 })
      const ms = performance.now() - q0
      if (first) firstUse.push(ms)
      else latencies.push(ms)
      first = false
      const covered = (items: typeof details.selected) => {
        const seen = new Set<string>()
        for (const it of items) for (const id of it.sourceMessageIds) seen.add(id)
        return evidence.filter((e) => seen.has(e)).length / evidence.length
      }
      const row = rows.get(qa.category) ?? { n: 0, recall: K.map(() => 0), selected: 0, selectedCount: 0 }
      row.n++
      K.forEach((k, i) => (row.recall[i] += covered(details.retrieval.items.slice(0, k))))
      row.selected += covered(details.selected)
      row.selectedCount += details.selected.length
      rows.set(qa.category, row)
    }
  }
  client.close()

  const all: Row = { n: 0, recall: K.map(() => 0), selected: 0, selectedCount: 0 }
  for (const r of rows.values()) {
    all.n += r.n
    r.recall.forEach((v, i) => (all.recall[i] += v))
    all.selected += r.selected
    all.selectedCount += r.selectedCount
  }
  const fmt = (x: number) => x.toFixed(3)
  const line = (name: string, r: Row) =>
    `| ${name.padEnd(16)} | ${String(r.n).padStart(5)} | ${K.map((_, i) => fmt(r.recall[i] / r.n)).join(' | ')} | ${fmt(r.selected / r.n)} (${(r.selectedCount / r.n).toFixed(1)}) |`
  const sorted = [...latencies].sort((a, b) => a - b)
  const out: string[] = []
  out.push(`LoCoMo retrieval: ${conversations.length} conversations, ${messages} messages, ${memories} live memories (rules engine)`)
  if (tuning) out.push(`tuning: ${tuning}`)
  out.push('')
  out.push(`| category         |     n | ${K.map((k) => `R@${k}`.padEnd(5)).join(' | ')} | in context (items) |`)
  out.push(`|------------------|-------|${K.map(() => '-------').join('|')}|--------------------|`)
  for (const cat of [...rows.keys()].sort()) out.push(line(`${cat} ${CATEGORY_NAMES[cat] ?? ''}`, rows.get(cat)!))
  out.push(line('overall', all))
  out.push('')
  out.push(`getContext latency over ${sorted.length} queries: median ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted[sorted.length - 1]?.toFixed(1)} ms`)
  out.push(`first getContext per user (index built from IndexedDB): median ${percentile([...firstUse].sort((a, b) => a - b), 50).toFixed(0)} ms`)
  out.push(`import ${(importMs / 1000).toFixed(1)} s, processing ${(processMs / 1000).toFixed(1)} s; evidence ids skipped: ${skippedEvidence}`)
  console.log(out.join('\n'))
  const json = arg('json')
  if (json) {
    writeFileSync(
      json,
      JSON.stringify(
        {
          overall: { n: all.n, recall10: all.recall[0] / all.n, recall50: all.recall[1] / all.n, inContext: all.selected / all.n },
          categories: Object.fromEntries([...rows].map(([k, r]) => [k, { n: r.n, recall10: r.recall[0] / r.n, recall50: r.recall[1] / r.n }])),
          latency: { median: percentile(sorted, 50), p95: percentile(sorted, 95) },
          importMs,
          processMs,
        },
        null,
        2,
      ),
    )
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
