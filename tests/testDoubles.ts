import type { ClarifyingQuestion, Decision, ExtractedFact, MemoryCandidate, ResolvedMemory } from '../src/core/types'
import type { ChatInput, ClarifyInput, DecideInput, ExtractInput, MemoryEngine, ResolveInput } from '../src/engine/types'

/**
 * Test double at the LLM boundary: an engine whose answers a test scripts. Every call is recorded
 * so tests can assert what the pipeline asked.
 */
export class ScriptedEngine implements MemoryEngine {
  readonly id = 'scripted'
  calls: { method: string; input: unknown }[] = []
  extractFn: (i: ExtractInput) => ExtractedFact[] | Promise<ExtractedFact[]>
  decideFn: (i: DecideInput) => Decision | Promise<Decision>
  clarifyFn: (i: ClarifyInput) => ClarifyingQuestion[] | Promise<ClarifyingQuestion[]>
  resolveFn: (i: ResolveInput) => ResolvedMemory[] | Promise<ResolvedMemory[]>
  chatTokens: string[] = []
  chatDelayMs = 0

  constructor(script: Partial<Pick<ScriptedEngine, 'extractFn' | 'decideFn' | 'clarifyFn' | 'resolveFn'>> = {}) {
    // By default each user message is one fact, decided INSERT.
    this.extractFn = script.extractFn ?? ((i) => i.messages.flatMap((m, idx) => (m.role === 'user' ? [{ content: m.content, categories: ['personal'], sources: [idx] }] : [])))
    this.decideFn = script.decideFn ?? (() => ({ kind: 'INSERT' }))
    this.clarifyFn = script.clarifyFn ?? ((i) => [{ question: 'Which is right?', options: [i.conflicting[0]?.content ?? 'old', i.fact.content] }])
    this.resolveFn =
      script.resolveFn ??
      ((i) => {
        const pick = i.answers[0].answer
        return pick === i.fact.content ? i.conflicting.map((c) => ({ content: i.fact.content, categories: i.fact.categories, replaces: c.memoryId })) : []
      })
  }

  async extract(i: ExtractInput) {
    this.calls.push({ method: 'extract', input: i })
    return this.extractFn(i)
  }
  async decide(i: DecideInput) {
    this.calls.push({ method: 'decide', input: i })
    return this.decideFn(i)
  }
  async clarify(i: ClarifyInput) {
    this.calls.push({ method: 'clarify', input: i })
    return this.clarifyFn(i)
  }
  async resolve(i: ResolveInput) {
    this.calls.push({ method: 'resolve', input: i })
    return this.resolveFn(i)
  }
  async *chat(i: ChatInput): AsyncIterable<string> {
    this.calls.push({ method: 'chat', input: i })
    for (const t of this.chatTokens) {
      if (i.signal?.aborted) return
      if (this.chatDelayMs) await new Promise((r) => setTimeout(r, this.chatDelayMs))
      if (i.signal?.aborted) return
      yield t
    }
  }
}

/** Finds the candidate whose content contains `text`. */
export function candidate(cands: MemoryCandidate[], text: string): MemoryCandidate {
  const c = cands.find((x) => x.content.includes(text))
  if (!c) throw new Error(`no candidate containing "${text}" among ${cands.map((x) => x.content).join(' | ')}`)
  return c
}
