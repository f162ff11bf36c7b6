/**
 * Prompt building for the WebLLM engine. Pure functions: no model, no I/O.
 *
 * Conventions the parsers in WebLLMEngine.ts rely on:
 *  - messages and memories are referred to by small integers (1, 2, 3...), never by UUIDs: a 1-3B
 *    model copies "2" reliably and a 36-character id much less so, and ids cost tokens;
 *  - dates go in and out as ISO dates (YYYY-MM-DD), and the session's date is given as "now"
 *    together with a small calendar of the surrounding days, so that "last Monday" can be read off
 *    instead of computed (small models are poor at date arithmetic).
 */
import { ValidationError } from '../../core/errors'
import type { ChatMessage, Category, ConflictAnswer, EngineMessage, ExtractedFact, MemoryCandidate } from '../../core/types'

export interface PromptMessages {
  system: string
  user: string
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** YYYY-MM-DD of a Date in UTC. */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

function weekday(d: Date): string {
  return WEEKDAYS[d.getUTCDay()]
}

function short(d: Date): string {
  return `${weekday(d).slice(0, 3)} ${isoDay(d)}`
}

function addDays(d: Date, n: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + n))
}

/**
 * The "now" block: today's date and time, and the days around it with their weekdays, so the
 * model can map "yesterday", "last Monday", "next Friday", "last month" to real dates.
 * Dates are UTC (the session's createdAt is a UTC instant and no time zone is known here).
 */
export function renderNow(now: Date): string {
  if (Number.isNaN(now.getTime())) throw new RangeError('renderNow: invalid date')
  const today = addDays(now, 0)
  const past = Array.from({ length: 7 }, (_, i) => short(addDays(today, -(i + 1))))
  const next = Array.from({ length: 7 }, (_, i) => short(addDays(today, i + 1)))
  // Monday-based weeks
  const dow = (today.getUTCDay() + 6) % 7
  const thisWeekMonday = addDays(today, -dow)
  const lastWeekMonday = addDays(thisWeekMonday, -7)
  const lastWeekSunday = addDays(thisWeekMonday, -1)
  const y = today.getUTCFullYear()
  const m = today.getUTCMonth()
  const lastMonth = new Date(Date.UTC(y, m - 1, 1))
  const time = now.toISOString().slice(11, 16)
  return [
    `NOW: ${weekday(today)} ${isoDay(today)}, ${time} UTC. This is the date of the conversation.`,
    `Yesterday: ${short(addDays(today, -1))}. Tomorrow: ${short(addDays(today, 1))}.`,
    `The 7 days before today: ${past.join(', ')}.`,
    `The 7 days after today: ${next.join(', ')}.`,
    `Last week: ${isoDay(lastWeekMonday)} to ${isoDay(lastWeekSunday)}. This month: ${isoDay(today).slice(0, 7)}. ` +
      `Last month: ${isoDay(lastMonth).slice(0, 7)}. This year: ${y}. Last year: ${y - 1}.`,
  ].join('\n')
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

function validDate(d: Date | undefined): Date | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? d : undefined
}

function renderDates(startIn?: Date, endIn?: Date): string {
  const start = validDate(startIn)
  const end = validDate(endIn)
  if (!start && !end) return ''
  if (start && end && isoDay(start) !== isoDay(end)) return ` (when: ${isoDay(start)} to ${isoDay(end)})`
  return ` (when: ${isoDay((start ?? end) as Date)})`
}

function renderCategories(categories: Category[]): string {
  if (categories.length === 0) return '(no categories are defined: use an empty list)'
  return categories.map((c) => `- ${c.name}: ${oneLine(c.description, 160)}`).join('\n')
}

/** A fact as the model sees it in decide/clarify/resolve. */
export function renderFact(fact: ExtractedFact): string {
  const cats = fact.categories?.length ? ` [${fact.categories.join(', ')}]` : ''
  return `${oneLine(fact.content, 600)}${cats}${renderDates(fact.eventDateStart, fact.eventDateEnd)}`
}

/** Candidate memories numbered 1..n; number k stands for candidates[k - 1]. */
export function renderNumberedMemories(candidates: MemoryCandidate[]): string {
  return candidates
    .map((c, i) => {
      const cats = c.categories?.length ? ` [${c.categories.join(', ')}]` : ''
      const created = validDate(c.createdAt)
      const recorded = created ? ` (recorded ${isoDay(created)})` : ''
      return `${i + 1}. ${oneLine(c.content || '(empty)', 600)}${cats}${renderDates(c.eventDateStart, c.eventDateEnd)}${recorded}`
    })
    .join('\n')
}

/** Maps the model's small numbers back to memoryIds; drops numbers out of range and repeats. */
export function numbersToIds(numbers: readonly number[], candidates: readonly { memoryId: string }[]): string[] {
  const out: string[] = []
  for (const n of numbers) {
    const c = Number.isInteger(n) && n >= 1 && n <= candidates.length ? candidates[n - 1] : undefined
    if (c && !out.includes(c.memoryId)) out.push(c.memoryId)
  }
  return out
}

// ---- extract ----

export interface ExtractChunk {
  /** 0-based index in the full message list of each message in this chunk */
  indexes: number[]
}

/**
 * Splits a conversation into chunks whose rendered size stays under `maxChars`, so that a long
 * session fits the model's context window (4k tokens for the default model). Messages are never
 * split; a single message longer than the budget is truncated when rendered.
 */
export function chunkMessages(messages: EngineMessage[], maxChars: number, maxMessageChars: number): ExtractChunk[] {
  const chunks: ExtractChunk[] = []
  let current: number[] = []
  let size = 0
  messages.forEach((m, i) => {
    const len = Math.min(m.content.length, maxMessageChars) + 40
    if (current.length > 0 && size + len > maxChars) {
      chunks.push({ indexes: current })
      current = []
      size = 0
    }
    current.push(i)
    size += len
  })
  if (current.length > 0) chunks.push({ indexes: current })
  return chunks
}

/** The numbered transcript: `[3] user (2025-01-08 10:02): I moved to Berlin last week`. */
export function renderTranscript(messages: EngineMessage[], indexes: number[], maxMessageChars: number): string {
  return indexes
    .map((i) => {
      const m = messages[i]
      const t = validDate(m.timestamp)
      const ts = t ? ` (${t.toISOString().slice(0, 16).replace('T', ' ')})` : ''
      return `[${i + 1}] ${m.role}${ts}: ${oneLine(String(m.content ?? ''), maxMessageChars)}`
    })
    .join('\n')
}

export interface ExtractPromptInput {
  messages: EngineMessage[]
  indexes: number[]
  now: Date
  user: { name: string; about: string }
  categories: Category[]
  maxMessageChars: number
}

export function buildExtractPrompt(i: ExtractPromptInput): PromptMessages {
  const who = i.user.name.trim() || 'The user'
  const system = [
    `You are the memory of Keepsake, a personal assistant. From a conversation between ${who} (role "user") and the assistant, ` +
      'you write down the lasting facts about the user that are worth remembering in future conversations: ' +
      'who they are, what they like and dislike, their health, family, friends, work, studies, where they live, plans, habits, and events with their dates.',
    '',
    'Rules:',
    `- Each fact is ONE short standalone sentence about the user, in the third person, naming them "${who}". Example: "${who} is allergic to peanuts."`,
    "- Only facts the user states or clearly implies in their own messages. Not the assistant's suggestions, questions or general knowledge. No greetings, small talk or one-off requests.",
    '- One fact per item. Do not repeat a fact. Keep the exact details (names, places, numbers).',
    '- categories: 1 to 3 names from the CATEGORIES list, and only from that list.',
    '- eventDateStart / eventDateEnd: when the fact happened or holds in the world, as an ISO date YYYY-MM-DD, ' +
      'or null when no time is mentioned. Turn relative dates ("yesterday", "last Monday", "next week", "in March") into real dates using NOW and the calendar below. ' +
      'Use eventDateEnd only for something that ended or has a known end.',
    '- sources: the [numbers] of the messages the fact comes from.',
    '- If nothing is worth remembering, answer {"facts": []}.',
    '',
    'Answer with JSON only: {"facts": [{"content": "...", "categories": ["..."], "eventDateStart": "YYYY-MM-DD" or null, "eventDateEnd": "YYYY-MM-DD" or null, "sources": [1]}]}',
  ].join('\n')
  const about = i.user.about.trim() ? `\nWhat is already known about ${who}: ${oneLine(i.user.about, 800)}` : ''
  const user = [
    renderNow(i.now),
    '',
    'CATEGORIES:',
    renderCategories(i.categories),
    about,
    '',
    'CONVERSATION:',
    renderTranscript(i.messages, i.indexes, i.maxMessageChars),
    '',
    'List the facts about the user as JSON.',
  ].join('\n')
  return { system, user }
}

// ---- decide ----

export function buildDecidePrompt(fact: ExtractedFact, candidates: MemoryCandidate[]): PromptMessages {
  const system = [
    "You keep a person's long-term memory up to date. A NEW FACT was just learned. Compare it with the EXISTING MEMORIES (numbered) and choose exactly one decision:",
    '- INSERT: the new fact is new information. "memories": the numbers of existing memories that are related to it but stay true (may be empty).',
    '- IGNORE: the new fact says nothing that an existing memory does not already say. "reason": which memory already says it.',
    '- ADDITION_TO_EXISTING_MEMORY: the new fact adds detail to exactly ONE existing memory about the same thing, without contradicting it. ' +
      '"memories": [that number]; "content": one sentence that combines both.',
    '- TEMPORAL_CONFLICT: something changed over time (moved to another city, new job, new partner, changed a habit or a preference): ' +
      'the new fact replaces existing memories that were true before. "memories": the numbers of the memories it replaces.',
    '- MERGE_CONFLICT: the new fact contradicts an existing memory about something that does not change over time (a birthday, a birthplace, ' +
      'the name of a relative, having an allergy or not), so one of them must be wrong. "memories": the contradicted numbers; "reason": the contradiction.',
    '',
    'Use only numbers from the list. "content" is an empty string unless the decision is ADDITION_TO_EXISTING_MEMORY.',
    'Answer with JSON only: {"reason": "...", "decision": "...", "memories": [1], "content": "..."}',
  ].join('\n')
  const user = [
    `NEW FACT: ${renderFact(fact)}`,
    '',
    'EXISTING MEMORIES:',
    renderNumberedMemories(candidates),
    '',
    'Decide as JSON.',
  ].join('\n')
  return { system, user }
}

// ---- clarify ----

export function buildClarifyPrompt(fact: ExtractedFact, conflicting: MemoryCandidate[]): PromptMessages {
  const system = [
    "A new fact about a person contradicts what their memory already holds. Write the questions to ask the person so that they can settle what is true.",
    '- 1 to 3 short, friendly questions, each about one point of the contradiction, addressed to the person ("you").',
    '- Each question has 2 to 4 short answer options. The options name the competing facts; add an option such as "Both are true" when both could be.',
    '- Questions must differ from each other; options within a question must differ from each other.',
    'Answer with JSON only: {"questions": [{"question": "...", "options": ["...", "..."]}]}',
  ].join('\n')
  const user = [
    `NEW FACT: ${renderFact(fact)}`,
    '',
    'CONFLICTING MEMORIES:',
    renderNumberedMemories(conflicting),
    '',
    'Write the questions as JSON.',
  ].join('\n')
  return { system, user }
}

// ---- resolve ----

export function buildResolvePrompt(
  fact: ExtractedFact,
  conflicting: MemoryCandidate[],
  answers: ConflictAnswer[],
  categoryNames: string[],
): PromptMessages {
  const system = [
    "A new fact about a person contradicted their memory, and the person has answered questions to settle it. Write the memory as it should be now.",
    '- One item per conflicting memory that should hold the settled fact; usually exactly one item.',
    '- "replaces": the number of the conflicting memory the item continues.',
    '- "content": the settled fact as one standalone sentence in the third person, following the answers.',
    `- "categories": 1 to 3 of: ${categoryNames.join(', ') || '(none: use an empty list)'}.`,
    '- eventDateStart / eventDateEnd: ISO dates YYYY-MM-DD, or null.',
    'Answer with JSON only: {"memories": [{"replaces": 1, "content": "...", "categories": ["..."], "eventDateStart": null, "eventDateEnd": null}]}',
  ].join('\n')
  const renderedAnswers = answers
    .map((a) => `- Q: ${oneLine(a.question, 300)}\n  A: ${oneLine(a.answer, 300)}${a.message?.trim() ? `\n  The person added: ${oneLine(a.message, 500)}` : ''}`)
    .join('\n')
  const user = [
    `NEW FACT: ${renderFact(fact)}`,
    '',
    'CONFLICTING MEMORIES:',
    renderNumberedMemories(conflicting),
    '',
    "THE PERSON'S ANSWERS:",
    renderedAnswers || '(none)',
    '',
    'Write the settled memory as JSON.',
  ].join('\n')
  return { system, user }
}

/** Appended to the user prompt on the one retry, so the model sees what was wrong. */
export function retryNote(problem: string): string {
  return `\n\nYour previous answer could not be used: ${oneLine(problem, 400)}\nAnswer again with valid JSON that follows the format exactly.`
}

// ---- chat ----

export const CHAT_SYSTEM_PROMPT =
  'You are Keepsake, a warm and concise personal assistant that remembers the person you talk with. ' +
  'Use what you remember when it helps, without reciting it. If you do not know something about the person, say so rather than guess.'

export interface ChatPromptOptions {
  /** Rough budget of characters for the whole prompt (system + history). */
  maxChars: number
}

/**
 * The chat request messages: ONE system message first (web-llm rejects a system message anywhere
 * else), holding the assistant's instructions, the caller's own system messages and the memory
 * context; then the conversation, oldest turns dropped to fit the budget. The last message must
 * be the user's (web-llm generates the reply to it).
 */
export function buildChatMessages(messages: ChatMessage[], context: string, opts: ChatPromptOptions): ChatMessage[] {
  const systemParts = [CHAT_SYSTEM_PROMPT]
  for (const m of messages) if (m.role === 'system' && m.content.trim()) systemParts.push(m.content.trim())
  const turns = messages.filter((m) => m.role !== 'system')
  const last = turns[turns.length - 1]
  if (!last || last.role !== 'user') {
    throw new ValidationError('chat: the last message must be from the user', 'messages')
  }
  let system = systemParts.join('\n\n')
  const contextBudget = Math.floor(opts.maxChars * 0.45)
  const ctx = context.trim()
  if (ctx) {
    const clipped = ctx.length > contextBudget ? `${ctx.slice(0, contextBudget)}\n…` : ctx
    system += `\n\nWhat you remember about the person:\n${clipped}`
  }
  let budget = opts.maxChars - system.length
  const kept: ChatMessage[] = []
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]
    const content = i === turns.length - 1 && t.content.length > budget ? t.content.slice(-Math.max(200, budget)) : t.content
    if (kept.length > 0 && content.length > budget) break
    kept.unshift({ role: t.role, content })
    budget -= content.length
  }
  // web-llm expects user/assistant turns after the system message; drop a leading assistant turn
  while (kept.length > 1 && kept[0].role === 'assistant') kept.shift()
  return [{ role: 'system', content: system }, ...kept]
}
