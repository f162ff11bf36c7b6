import type {
  Category,
  ChatMessage,
  ClarifyingQuestion,
  ConflictAnswer,
  Decision,
  EngineMessage,
  ExtractedFact,
  MemoryCandidate,
  ResolvedMemory,
} from '../core/types'

export interface ExtractInput {
  messages: EngineMessage[]
  /** The session's date: "now" for resolving relative dates ("last Monday"). */
  sessionCreatedAt: Date
  user: { name: string; about: string }
  categories: Category[]
}

export interface DecideInput {
  fact: ExtractedFact
  candidates: MemoryCandidate[]
}

export interface ClarifyInput {
  fact: ExtractedFact
  conflicting: MemoryCandidate[]
}

export interface ResolveInput {
  fact: ExtractedFact
  conflicting: MemoryCandidate[]
  answers: ConflictAnswer[]
}

export interface ChatInput {
  messages: ChatMessage[]
  /** Rendered memory context (Markdown) from session.getContext. */
  context: string
  signal?: AbortSignal
}

/**
 * The LLM boundary. The engine proposes; src/core and src/pipeline dispose. Every engine
 * (rules, WebLLM in a worker, a scripted test double) implements this and passes
 * tests/engine-acceptance.
 */
export interface MemoryEngine {
  readonly id: string
  extract(input: ExtractInput): Promise<ExtractedFact[]>
  decide(input: DecideInput): Promise<Decision>
  clarify(input: ClarifyInput): Promise<ClarifyingQuestion[]>
  resolve(input: ResolveInput): Promise<ResolvedMemory[]>
  chat?(input: ChatInput): AsyncIterable<string>
  embed?(texts: string[]): Promise<Float32Array[]>
}
