/**
 * The WebLLM engine's logic: prompts in, validated domain values out.
 *
 * This class does not know web-llm. It is given a `complete` function (one constrained JSON
 * completion), optionally a `chatStream` function and an `embed` function; `runtime.ts` builds
 * them from a loaded MLCEngine inside the worker, and the unit tests pass a fake completion
 * function instead. Everything here is therefore testable in Node without a model.
 *
 * For each structured call: build the prompt (small integers instead of ids, the session date as
 * "now"), ask for JSON constrained by a schema, parse the text, validate it against the same
 * schema, turn it into domain values (numbers -> memoryIds, ISO strings -> Dates, unknown
 * categories dropped), and on any problem retry ONCE with the problem named in the prompt; a
 * second failure is an EngineError with reason INVALID_OUTPUT.
 */
import { EngineError, ValidationError } from '../../core/errors'
import type {
  ChatMessage,
  ClarifyingQuestion,
  Decision,
  ExtractedFact,
  MemoryCandidate,
  ResolvedMemory,
} from '../../core/types'
import type { ChatInput, ClarifyInput, DecideInput, ExtractInput, MemoryEngine, ResolveInput } from '../types'
import { toGenerationError } from './messages'
import {
  buildChatMessages,
  buildClarifyPrompt,
  buildDecidePrompt,
  buildExtractPrompt,
  buildResolvePrompt,
  chunkMessages,
  numbersToIds,
  retryNote,
  type PromptMessages,
} from './prompts'
import {
  clarifySchema,
  decideSchema,
  DECISION_KINDS,
  extractSchema,
  MAX_OPTIONS,
  MAX_QUESTIONS,
  resolveSchema,
  validateAgainstSchema,
  type JsonSchema,
} from './schemas'

export type StructuredTask = 'extract' | 'decide' | 'clarify' | 'resolve'

export interface CompletionRequest {
  task: StructuredTask
  /** [system, user] */
  messages: [{ role: 'system'; content: string }, { role: 'user'; content: string }]
  /** constrain the answer to this schema (web-llm: response_format json_object + schema) */
  schema: JsonSchema
  maxTokens: number
  temperature: number
  /** 1 for the first try, 2 for the retry */
  attempt: 1 | 2
}

/** One JSON completion; resolves to the model's raw text. */
export type CompletionFn = (request: CompletionRequest) => Promise<string>

export interface ChatStreamRequest {
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  signal?: AbortSignal
}

/** A streamed chat completion: yields text deltas; stops early when `signal` aborts. */
export type ChatStreamFn = (request: ChatStreamRequest) => AsyncIterable<string>

export type EmbedFn = (texts: string[]) => Promise<Float32Array[]>

export interface WebLLMEngineOptions {
  modelId: string
  complete: CompletionFn
  chatStream?: ChatStreamFn
  embed?: EmbedFn
  /** the model's context window in tokens (prompt budgets derive from it); default 4096 */
  contextWindowSize?: number
  /** longest message text given to the model, in characters; default 2000 */
  maxMessageChars?: number
}

/** Problems with a model answer that deserve the one retry. */
export class OutputProblem extends Error {
  override name = 'OutputProblem'
}

const TASK_LABEL: Record<StructuredTask, string> = {
  extract: 'extracting memories from the conversation',
  decide: 'comparing a new fact with existing memories',
  clarify: 'writing questions about a conflict',
  resolve: 'settling a conflict',
}

// extract: up to MAX_FACTS_PER_CALL facts of ~100 tokens of JSON each
const MAX_TOKENS: Record<StructuredTask, number> = { extract: 1280, decide: 256, clarify: 384, resolve: 512 }

// ---- dates ----

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * Parses a date the model wrote. Accepts YYYY, YYYY-MM, YYYY-MM-DD (UTC; the start of the period
 * for `edge` 'start', its last millisecond for 'end') and full ISO date-times (UTC when no zone is
 * given). Anything else (null, "", "unknown", "2025-02-30") is undefined.
 */
export function parseModelDate(value: unknown, edge: 'start' | 'end'): Date | undefined {
  if (typeof value !== 'string') return undefined
  const s = value.trim()
  if (!s) return undefined
  const m = DATE_RE.exec(s)
  if (m) {
    const y = Number(m[1])
    const mo = m[2] ? Number(m[2]) : undefined
    const d = m[3] ? Number(m[3]) : undefined
    if (mo !== undefined && (mo < 1 || mo > 12)) return undefined
    if (d !== undefined) {
      const day = new Date(Date.UTC(y, (mo as number) - 1, d))
      if (day.getUTCMonth() !== (mo as number) - 1 || day.getUTCDate() !== d) return undefined
      return edge === 'start' ? day : new Date(day.getTime() + 86_400_000 - 1)
    }
    if (mo !== undefined) {
      return edge === 'start' ? new Date(Date.UTC(y, mo - 1, 1)) : new Date(Date.UTC(y, mo, 1) - 1)
    }
    return edge === 'start' ? new Date(Date.UTC(y, 0, 1)) : new Date(Date.UTC(y + 1, 0, 1) - 1)
  }
  const dt = DATETIME_RE.exec(s)
  if (dt) {
    const iso = s.replace(' ', 'T')
    const t = Date.parse(dt[1] ? iso : `${iso}Z`)
    return Number.isNaN(t) ? undefined : new Date(t)
  }
  return undefined
}

function dateRange(start: unknown, end: unknown): { eventDateStart?: Date; eventDateEnd?: Date } {
  const s = parseModelDate(start, 'start')
  let e = parseModelDate(end, 'end')
  if (s && e && e.getTime() < s.getTime()) e = undefined
  const out: { eventDateStart?: Date; eventDateEnd?: Date } = {}
  if (s) out.eventDateStart = s
  if (e) out.eventDateEnd = e
  return out
}

// ---- answer parsing ----

/** Parses the model's text as JSON; tolerates code fences and text around one JSON object. */
export function parseJsonAnswer(text: string): unknown {
  let s = text.trim()
  const fence = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(s)
  if (fence) s = fence[1]
  try {
    return JSON.parse(s)
  } catch {
    const a = s.indexOf('{')
    const b = s.lastIndexOf('}')
    if (a >= 0 && b > a) {
      try {
        return JSON.parse(s.slice(a, b + 1))
      } catch {
        /* fall through */
      }
    }
  }
  throw new OutputProblem(
    s.length === 0 ? 'the answer was empty' : `the answer was not valid JSON (it began: ${JSON.stringify(s.slice(0, 60))})`,
  )
}

function cleanText(v: unknown): string {
  return typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : ''
}

function knownCategories(v: unknown, allowed: readonly string[]): string[] {
  if (!Array.isArray(v)) return []
  const out: string[] = []
  for (const c of v) {
    const name = typeof c === 'string' ? c.trim().toLowerCase() : ''
    if (allowed.includes(name) && !out.includes(name)) out.push(name)
  }
  return out
}

interface RawExtract {
  facts: { content: string; categories: string[]; eventDateStart: unknown; eventDateEnd: unknown; sources: number[] }[]
}

export function parseExtractAnswer(
  value: unknown,
  ctx: { categoryNames: readonly string[]; allowedSources: readonly number[] },
): ExtractedFact[] {
  const raw = value as RawExtract
  const out: ExtractedFact[] = []
  const seen = new Set<string>()
  for (const f of raw.facts) {
    const content = cleanText(f.content)
    if (!content) continue
    const key = content.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    const fact: ExtractedFact = {
      content,
      categories: knownCategories(f.categories, ctx.categoryNames),
      ...dateRange(f.eventDateStart, f.eventDateEnd),
    }
    const sources = [...new Set(f.sources.filter((n) => ctx.allowedSources.includes(n)))].sort((a, b) => a - b)
    if (sources.length > 0) fact.sources = sources.map((n) => n - 1)
    out.push(fact)
  }
  return out
}

interface RawDecide {
  reason: string
  decision: (typeof DECISION_KINDS)[number]
  memories: number[]
  content: string
}

export function parseDecideAnswer(value: unknown, candidates: readonly MemoryCandidate[]): Decision {
  const raw = value as RawDecide
  const ids = numbersToIds(raw.memories, candidates)
  const reason = cleanText(raw.reason)
  switch (raw.decision) {
    case 'INSERT':
      return ids.length > 0 ? { kind: 'INSERT', relatedMemoryIds: ids } : { kind: 'INSERT' }
    case 'IGNORE':
      return { kind: 'IGNORE', reason: reason || 'Already known from an existing memory.' }
    case 'ADDITION_TO_EXISTING_MEMORY': {
      if (ids.length === 0) {
        throw new OutputProblem('ADDITION_TO_EXISTING_MEMORY needs "memories" to hold the number of the memory it adds to')
      }
      const content = cleanText(raw.content)
      if (!content) throw new OutputProblem('ADDITION_TO_EXISTING_MEMORY needs "content": the merged sentence')
      return { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: ids[0], content }
    }
    case 'TEMPORAL_CONFLICT':
      if (ids.length === 0) throw new OutputProblem('TEMPORAL_CONFLICT needs "memories": the numbers of the memories it replaces')
      return { kind: 'TEMPORAL_CONFLICT', memoryIds: ids }
    case 'MERGE_CONFLICT':
      if (ids.length === 0) throw new OutputProblem('MERGE_CONFLICT needs "memories": the numbers of the contradicted memories')
      return { kind: 'MERGE_CONFLICT', memoryIds: ids, reason: reason || 'The new fact contradicts an existing memory.' }
  }
  throw new OutputProblem(`unknown decision "${String(raw.decision)}"`)
}

export function parseClarifyAnswer(value: unknown): ClarifyingQuestion[] {
  const raw = value as { questions: { question: string; options: string[] }[] }
  const out: ClarifyingQuestion[] = []
  const seen = new Set<string>()
  for (const q of raw.questions) {
    const question = cleanText(q.question)
    if (!question || seen.has(question.toLowerCase())) continue
    const options: string[] = []
    for (const o of q.options) {
      const opt = cleanText(o)
      if (opt && !options.some((x) => x.toLowerCase() === opt.toLowerCase())) options.push(opt)
    }
    if (options.length < 2) continue
    seen.add(question.toLowerCase())
    out.push({ question, options: options.slice(0, MAX_OPTIONS) })
  }
  if (out.length === 0) {
    throw new OutputProblem('no usable question: each needs a non-empty question and at least 2 different options')
  }
  return out.slice(0, MAX_QUESTIONS)
}

interface RawResolve {
  memories: { replaces: number; content: string; categories: string[]; eventDateStart: unknown; eventDateEnd: unknown }[]
}

export function parseResolveAnswer(
  value: unknown,
  ctx: { conflicting: readonly MemoryCandidate[]; categoryNames: readonly string[] },
): ResolvedMemory[] {
  const raw = value as RawResolve
  const out: ResolvedMemory[] = []
  for (const m of raw.memories) {
    const [memoryId] = numbersToIds([m.replaces], ctx.conflicting)
    if (!memoryId) throw new OutputProblem(`"replaces" ${m.replaces} is not the number of a conflicting memory`)
    if (out.some((r) => r.replaces === memoryId)) continue
    const content = cleanText(m.content)
    if (!content) throw new OutputProblem('each memory needs a non-empty "content"')
    let categories = knownCategories(m.categories, ctx.categoryNames)
    if (categories.length === 0) {
      const replaced = ctx.conflicting.find((c) => c.memoryId === memoryId)
      categories = knownCategories(replaced?.categories ?? [], ctx.categoryNames)
    }
    out.push({ content, categories, replaces: memoryId, ...dateRange(m.eventDateStart, m.eventDateEnd) })
  }
  if (out.length === 0) throw new OutputProblem('no memory was written')
  return out
}

// ---- the engine ----

function requireArray<T>(v: unknown, field: string): T[] {
  if (!Array.isArray(v)) throw new ValidationError(`${field} must be an array`, field)
  return v as T[]
}

function isValidDate(v: unknown): v is Date {
  return v instanceof Date && !Number.isNaN(v.getTime())
}

/**
 * "Now" for the prompt: the session's date; if that is not a valid date, the newest message
 * timestamp, else the current time (relative dates are then approximate, but nothing throws).
 */
function sessionNow(sessionCreatedAt: unknown, messages: ExtractInput['messages']): Date {
  if (isValidDate(sessionCreatedAt)) return sessionCreatedAt
  const stamps = messages.map((m) => m.timestamp).filter(isValidDate)
  if (stamps.length > 0) return new Date(Math.max(...stamps.map((d) => d.getTime())))
  return new Date()
}

export class WebLLMEngine implements MemoryEngine {
  readonly id = 'webllm'
  readonly modelId: string
  /** Streamed chat reply; present when the engine was given a chat stream. */
  readonly chat?: (input: ChatInput) => AsyncIterable<string>
  /** Embeddings; present only when an embedding model was loaded. */
  readonly embed?: (texts: string[]) => Promise<Float32Array[]>

  private readonly complete: CompletionFn
  private readonly contextWindow: number
  private readonly maxMessageChars: number

  constructor(opts: WebLLMEngineOptions) {
    this.modelId = opts.modelId
    this.complete = opts.complete
    this.contextWindow = opts.contextWindowSize ?? 4096
    this.maxMessageChars = opts.maxMessageChars ?? 2000
    const chatStream = opts.chatStream
    if (chatStream) this.chat = (input) => this.streamChat(chatStream, input)
    const embed = opts.embed
    if (embed) {
      this.embed = async (texts) => {
        const list = requireArray<unknown>(texts, 'texts')
        if (list.some((t) => typeof t !== 'string')) throw new ValidationError('texts must be strings', 'texts')
        if (list.length === 0) return []
        try {
          return await embed(list as string[])
        } catch (e) {
          throw toGenerationError(e, 'computing embeddings')
        }
      }
    }
  }

  /** Characters of prompt we can afford for a task (about 3 characters per token, to be safe). */
  private promptChars(task: StructuredTask | 'chat'): number {
    const reply = task === 'chat' ? 1024 : MAX_TOKENS[task]
    const instructions = 900 // tokens of system prompt, calendar and categories
    return Math.max(1500, (this.contextWindow - reply - instructions) * 3)
  }

  async extract(input: ExtractInput): Promise<ExtractedFact[]> {
    const messages = requireArray<ExtractInput['messages'][number]>(input.messages, 'messages')
    const now = sessionNow(input.sessionCreatedAt, messages)
    const categories = requireArray<ExtractInput['categories'][number]>(input.categories, 'categories')
    const categoryNames = categories.map((c) => c.name)
    const user = { name: input.user?.name ?? '', about: input.user?.about ?? '' }
    const maxMessageChars = Math.min(this.maxMessageChars, Math.floor(this.promptChars('extract') / 2))
    const chunks = chunkMessages(messages, this.promptChars('extract'), maxMessageChars)
    const facts: ExtractedFact[] = []
    const seen = new Set<string>()
    for (const chunk of chunks) {
      if (!chunk.indexes.some((i) => messages[i].role === 'user' && typeof messages[i].content === 'string' && messages[i].content.trim())) continue
      const numbers = chunk.indexes.map((i) => i + 1)
      const prompt = buildExtractPrompt({ messages, indexes: chunk.indexes, now, user, categories, maxMessageChars })
      const found = await this.structured('extract', prompt, extractSchema(categoryNames, numbers), (v) =>
        parseExtractAnswer(v, { categoryNames, allowedSources: numbers }),
      )
      for (const f of found) {
        const key = f.content.toLowerCase()
        if (seen.has(key)) continue
        seen.add(key)
        facts.push(f)
      }
    }
    return facts
  }

  async decide(input: DecideInput): Promise<Decision> {
    const candidates = requireArray<MemoryCandidate>(input.candidates, 'candidates')
    // Nothing to compare with: a new memory, no need to ask the model.
    if (candidates.length === 0) return { kind: 'INSERT' }
    if (!input.fact?.content?.trim()) return { kind: 'IGNORE', reason: 'The fact is empty.' }
    const prompt = buildDecidePrompt(input.fact, candidates)
    return this.structured('decide', prompt, decideSchema(candidates.length), (v) => parseDecideAnswer(v, candidates))
  }

  async clarify(input: ClarifyInput): Promise<ClarifyingQuestion[]> {
    const conflicting = requireArray<MemoryCandidate>(input.conflicting, 'conflicting')
    if (conflicting.length === 0) throw new ValidationError('clarify needs at least one conflicting memory', 'conflicting')
    const prompt = buildClarifyPrompt(input.fact, conflicting)
    return this.structured('clarify', prompt, clarifySchema(), parseClarifyAnswer)
  }

  async resolve(input: ResolveInput): Promise<ResolvedMemory[]> {
    const conflicting = requireArray<MemoryCandidate>(input.conflicting, 'conflicting')
    if (conflicting.length === 0) throw new ValidationError('resolve needs at least one conflicting memory', 'conflicting')
    const answers = requireArray<ResolveInput['answers'][number]>(input.answers, 'answers')
    // The space's categories are not part of ResolveInput: the result may use those of the fact
    // and of the conflicting memories, which are space categories already.
    const categoryNames = [...new Set([...input.fact.categories, ...conflicting.flatMap((c) => c.categories)])]
    const prompt = buildResolvePrompt(input.fact, conflicting, answers, categoryNames)
    return this.structured('resolve', prompt, resolveSchema(conflicting.length, categoryNames), (v) =>
      parseResolveAnswer(v, { conflicting, categoryNames }),
    )
  }

  /**
   * One structured call with validation and one retry. The retry repeats the prompt with the
   * problem appended and a little temperature, so that it does not produce the same answer.
   */
  private async structured<T>(
    task: StructuredTask,
    prompt: PromptMessages,
    schema: JsonSchema,
    parse: (value: unknown) => T,
  ): Promise<T> {
    let problem = ''
    for (const attempt of [1, 2] as const) {
      const user = attempt === 1 ? prompt.user : prompt.user + retryNote(problem)
      let text: string
      try {
        text = await this.complete({
          task,
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: user },
          ],
          schema,
          maxTokens: MAX_TOKENS[task],
          temperature: attempt === 1 ? 0 : 0.3,
          attempt,
        })
      } catch (e) {
        throw toGenerationError(e, TASK_LABEL[task])
      }
      try {
        if (typeof text !== 'string') throw new OutputProblem('the answer was not text')
        const value = parseJsonAnswer(text)
        const errors = validateAgainstSchema(schema, value)
        if (errors.length > 0) throw new OutputProblem(`it does not follow the format: ${errors.join('; ')}`)
        return parse(value)
      } catch (e) {
        if (!(e instanceof OutputProblem)) throw e
        problem = e.message
      }
    }
    throw new EngineError(
      `The local AI model gave an answer Keepsake could not use while ${TASK_LABEL[task]}, twice in a row (${problem}). ` +
        'Try again, or pick a larger model.',
      'INVALID_OUTPUT',
    )
  }

  private async *streamChat(chatStream: ChatStreamFn, input: ChatInput): AsyncGenerator<string, void, undefined> {
    const messages = buildChatMessages(requireArray<ChatMessage>(input.messages, 'messages'), input.context ?? '', {
      maxChars: this.promptChars('chat'),
    })
    if (input.signal?.aborted) return
    try {
      for await (const token of chatStream({ messages, maxTokens: 1024, temperature: 0.7, signal: input.signal })) {
        if (token) yield token
      }
    } catch (e) {
      if (input.signal?.aborted) return
      throw toGenerationError(e, 'writing a reply')
    }
  }
}
