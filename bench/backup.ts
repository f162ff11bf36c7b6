/**
 * `npx tsx bench/backup.ts`: what checking a large backup file costs (src/backup/validate.ts):
 * a space of BENCH_MEMORIES memory versions (default 10,000) and BENCH_MESSAGES messages (default
 * 50,000), as import checks it (JSON.parse of the file's text, then checkBackup). Prints the median
 * of several runs and the cost per record. BENCH_VALIDATOR=path/to/module.ts measures another
 * checker with the same export on the same file, taking turns with this one: e.g. the hand-written
 * checker this schema replaced, `git show d0434b6:src/backup/validate.ts > src/backup/old.ts`.
 */
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import type { BackupFile, BackupMemory, BackupSession, BackupUser } from '../src/backup/format'
import { median, table } from './stats'

const MEMORIES = Number(process.env.BENCH_MEMORIES ?? 10_000)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000)
const USERS = Number(process.env.BENCH_USERS ?? 10)
const RUNS = Number(process.env.BENCH_RUNS ?? 7)

const T0 = Date.UTC(2025, 0, 1)
const at = (i: number) => new Date(T0 + i * 1000).toISOString()

/** A valid space: USERS users, each with sessions of 100 messages and chains of up to 3 versions. */
export function bigBackup(memories = MEMORIES, messages = MESSAGES, users = USERS): BackupFile {
  const out: BackupUser[] = []
  let n = 0
  for (let u = 0; u < users; u++) {
    const sessions: BackupSession[] = []
    const perUserMessages = Math.floor(messages / users)
    for (let s = 0; s * 100 < perUserMessages; s++) {
      const sessionId = `u${u}-s${s}`
      const count = Math.min(100, perUserMessages - s * 100)
      sessions.push({
        sessionId,
        status: 'processed',
        metadata: { channel: 'web', n: s },
        createdAt: at(n),
        autoProcessAfterSeconds: 600,
        lastMessageAt: at(n + count),
        processedAt: at(n + count + 1),
        error: null,
        updatedAt: at(n + count + 1),
        summary: { facts: 2, added: [`u${u}-m0`], updated: [], ignored: 0, conflicts: [] },
        messages: Array.from({ length: count }, (_, k) => ({
          messageId: `${sessionId}-msg${k}`,
          seq: k,
          role: k % 2 ? ('assistant' as const) : ('user' as const),
          content: `Message ${k} of session ${s}: I moved to Berlin last spring and I have been learning German since then, slowly.`,
          timestamp: at(n + k),
        })),
      })
      n += count + 2
    }
    const mems: BackupMemory[] = []
    const perUserMemories = Math.floor(memories / users)
    for (let m = 0; m < perUserMemories; m++) {
      // chains of three versions: m, m+1 continue m (the older ones expired)
      const chainStart = m - (m % 3)
      const last = m % 3 === 2 || m === perUserMemories - 1
      mems.push({
        memoryId: `u${u}-m${m}`,
        chainId: `u${u}-m${chainStart}`,
        prevVersionId: m === chainStart ? null : `u${u}-m${m - 1}`,
        content: `The user lives in Berlin and is learning German (version ${m % 3}).`,
        categories: ['location', 'personal'],
        eventDateStart: at(m),
        eventDateEnd: null,
        createdAt: at(n + m),
        expiredAt: last ? null : at(n + m + 1),
        expirationReason: last ? null : 'ADDITION_TO_EXISTING_MEMORY',
        mergeConflictId: null,
        pendingConflictId: null,
        sessionId: `u${u}-s0`,
        sourceMessageIds: [`u${u}-s0-msg0`],
      })
    }
    out.push({
      userId: `user-${u}`,
      profile: { name: `User ${u}`, about: 'benchmark', metadata: { plan: 'pro' }, mergeConflictEnabled: null, createdAt: at(0), updatedAt: at(0), lastActiveAt: at(n) },
      docs: [],
      sessions,
      memories: mems,
      connections: [],
      conflicts: [],
    })
  }
  return { format: 'keepsake-backup', version: 1, exportedAt: at(n + 10), scope: 'space', users: out }
}

type Checker = (d: unknown) => { ok: boolean; problem?: unknown }

async function main() {
  const checkers: [string, Checker][] = [['checkBackup (src/backup/validate.ts)', (await import('../src/backup/validate')).checkBackup]]
  if (process.env.BENCH_VALIDATOR) {
    const other = (await import(pathToFileURL(resolve(process.env.BENCH_VALIDATOR)).href)) as { checkBackup: Checker }
    checkers.push([`checkBackup (${process.env.BENCH_VALIDATOR})`, other.checkBackup])
  }
  const text = JSON.stringify(bigBackup())
  const records = MEMORIES + MESSAGES + Math.ceil(MESSAGES / 100) + USERS
  const parse: number[] = []
  const times = checkers.map(() => [] as number[])
  // the checkers take turns on fresh copies, so that a busy machine slows them alike
  for (let r = 0; r < RUNS; r++) {
    checkers.forEach(([name, check], i) => {
      let t = performance.now()
      const data = JSON.parse(text)
      parse.push(performance.now() - t)
      t = performance.now()
      const res = check(data)
      times[i].push(performance.now() - t)
      if (!res.ok) throw new Error(`${name} refused the benchmark file: ${JSON.stringify(res.problem)}`)
    })
  }
  const row = (step: string, ms: number) => ({ step, 'median ms': ms, 'µs per record': (ms * 1000) / records })
  console.log(
    table(`checking a backup of ${MEMORIES} memories and ${MESSAGES} messages (${(text.length / 1e6).toFixed(1)} MB of JSON, ${records} records), median of ${RUNS} runs`, [
      row('JSON.parse', median(parse)),
      ...checkers.map(([name], i) => row(name, median(times[i]))),
    ]),
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
