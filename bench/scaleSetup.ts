import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** LoCoMo turn texts in order, or null when the dataset is not on this machine */
    scaleTurns: string[] | null
    /** where the turns were read from (or why not) */
    scaleTurnsSource: string
    /** message counts to measure, e.g. [1000, 10000, 100000] */
    scaleSizes: number[]
  }
}

/** Node side of `npm run bench:scale`: reads LoCoMo at run time (never copied into the repo) and the sizes. */
export default function setup(project: TestProject) {
  const file = resolve(process.cwd(), process.env.BENCH_SCALE_LOCOMO ?? '../shared/datasets/locomo/locomo10.json')
  let turns: string[] | null = null
  let source = `${file} not found: generated sentences instead`
  if (existsSync(file)) {
    try {
      turns = locomoTurns(JSON.parse(readFileSync(file, 'utf8')))
      source = `${turns.length} LoCoMo turns from ${file}, cycled`
    } catch (e) {
      source = `${file} unreadable (${(e as Error).message}): generated sentences instead`
      turns = null
    }
  }
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '1000,10000,100000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0)
  project.provide('scaleTurns', turns && turns.length ? turns : null)
  project.provide('scaleTurnsSource', source)
  project.provide('scaleSizes', sizes.length ? sizes : [1000, 10000, 100000])
}

/** Every turn's text, conversation by conversation, session by session (session_N in numeric order). */
function locomoTurns(data: unknown): string[] {
  const out: string[] = []
  for (const sample of data as { conversation: Record<string, unknown> }[]) {
    const conv = sample.conversation
    const keys = Object.keys(conv).filter((k) => /^session_\d+$/.test(k)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))
    for (const k of keys) for (const turn of conv[k] as { text?: unknown }[]) if (typeof turn.text === 'string' && turn.text.trim()) out.push(turn.text.trim())
  }
  return out
}
