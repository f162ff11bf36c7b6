import type { ClarifyingQuestion, ExpirationReason, MergeConflictStatus, MessageRole, SessionStatus } from '../core/types'

/**
 * Rendering of the memory context as Markdown: a pure function of the data getContext gathered, so
 * that what the model reads is easy to test.
 */

export interface ContextVersion {
  memoryId: string
  content: string
  versionNumber: number
  createdAt: Date
  expiredAt: Date | null
  expirationReason: ExpirationReason | null
  eventDateStart: Date | null
  eventDateEnd: Date | null
}

export interface ContextMemory {
  memoryId: string
  content: string
  categories: string[]
  eventDateStart: Date | null
  eventDateEnd: Date | null
  createdAt: Date
  versionNumber: number
  totalVersions: number
  /** earlier versions, newest first */
  previousVersions: ContextVersion[]
  /** live memories of connected chains (shown nested, without their own history) */
  connected: ContextMemory[]
  mergeConflictInProgress: boolean
  /** relevance 0..1 (absent for connected memories) */
  score?: number
  /** the messages it was drawn from that matched the query too, shown with it */
  sources?: ContextMessage[]
}

export interface ContextDocument {
  docId: string
  title: string
  passages: string[]
  score: number
}

export interface ContextMessage {
  messageId: string
  sessionId: string
  role: MessageRole
  content: string
  timestamp: Date
  score?: number
}

export interface ContextConflict {
  conflictId: string
  status: MergeConflictStatus
  proposedMemoryContent: string
  conflictingMemories: { content: string; reason: string }[]
  clarifyingQuestions: ClarifyingQuestion[]
  createdAt: Date
}

export interface ContextSession {
  sessionId: string
  status: SessionStatus
  createdAt: Date
  messageCount: number
  /** the session's last few messages, oldest first */
  messages: ContextMessage[]
}

export interface ContextData {
  user: { name: string; about: string } | null
  memories: ContextMemory[]
  documents: ContextDocument[]
  /** retrieved messages of earlier sessions, best first */
  messages: ContextMessage[]
  conflicts: ContextConflict[]
  unprocessedSessions: ContextSession[]
  /** the last messages of the current session, oldest first */
  lastMessages: ContextMessage[]
}

export interface RenderOptions {
  includeSystemPrompt?: boolean
  /** IANA time zone for dates (default UTC) */
  timezone?: string
}

export const CONTEXT_INSTRUCTIONS = [
  'This is what you know about the user from earlier conversations and their documents. Use it to answer in a personal, consistent way.',
  '- **Relevant memories** are facts about the user, most relevant first. Each shows when it happened ("when"), when you learned it ("noted") and its version. Only the current version is true now; earlier versions show what used to be true and why it changed, so do not state them as current.',
  '- Memories numbered like 1.1 are connected to the memory above them; "From:" quotes the message a memory was drawn from.',
  '- **Relevant earlier messages** are verbatim lines from past conversations with their dates; read relative dates in them ("yesterday", "last week") against the date of the message.',
  '- **Merge conflicts** are contradictions waiting for the user: when it fits the conversation, ask the user the question (one at a time, offering the options) so they can settle it.',
  '- **Sessions not yet processed** are recent conversations that have not been turned into memories yet.',
  '- Do not mention this context, memory numbers or ids unless asked. If it does not answer a question, say you do not know rather than guess.',
].join('\n')

const REASONS: Record<ExpirationReason, string> = {
  ADDITION_TO_EXISTING_MEMORY: 'extended with new details',
  TEMPORAL_CONFLICT: 'changed over time',
  MERGE_CONFLICT: 'contradicted and settled',
  USER_EDIT: 'corrected by the user',
}

/** Renders the context. Sections come in a fixed order and are omitted when empty. */
export function renderContext(data: ContextData, options: RenderOptions = {}): string {
  const tz = options.timezone ?? 'UTC'
  const f = formatters(tz)
  const sections: string[] = []
  const add = (title: string, body: string) => {
    if (body.trim()) sections.push(`## ${title}\n\n${body.trimEnd()}`)
  }

  if (options.includeSystemPrompt ?? true) add('How to use this context', `${CONTEXT_INSTRUCTIONS}\n- Dates and times are in ${tz}.`)

  if (data.user && (data.user.name.trim() || data.user.about.trim())) {
    const lines: string[] = []
    if (data.user.name.trim()) lines.push(`- Name: ${oneLine(data.user.name)}`)
    if (data.user.about.trim()) lines.push(`- About: ${indent(data.user.about.trim(), '  ')}`)
    add('The user', lines.join('\n'))
  }

  add(
    'Relevant memories',
    data.memories
      .map((m, i) => {
        const n = `${i + 1}.`
        const out = [`${n} ${memoryLine(m, f, true)}`]
        const pad = ' '.repeat(n.length + 1)
        for (const src of m.sources ?? []) out.push(`${pad}From: [${f.dateTime(src.timestamp)}] ${src.role}: ${indent(src.content.trim(), `${pad}  `)}`)
        if (m.previousVersions.length) {
          out.push(`${pad}Earlier versions:`)
          for (const v of m.previousVersions) out.push(`${pad}- v${v.versionNumber}: ${oneLine(v.content)} (${versionNote(v, f)})`)
        }
        m.connected.forEach((c, j) => out.push(`${pad}${i + 1}.${j + 1}. ${memoryLine(c, f, false)}`))
        return out.join('\n')
      })
      .join('\n'),
  )

  add(
    'Relevant documents',
    data.documents.map((d) => [`### ${oneLine(d.title)}`, ...d.passages.map((p) => quote(p))].join('\n\n')).join('\n\n'),
  )

  add('Relevant earlier messages', data.messages.map((m) => messageLine(m, f)).join('\n'))

  add(
    'Merge conflicts waiting for the user',
    data.conflicts
      .map((c, i) => {
        const out = [`${i + 1}. New information: "${oneLine(c.proposedMemoryContent)}" (${c.status.toLowerCase().replace('_', ' ')}, since ${f.date(c.createdAt)})`]
        for (const m of c.conflictingMemories) out.push(`   - conflicts with: "${oneLine(m.content)}"${m.reason ? ` — ${oneLine(m.reason)}` : ''}`)
        for (const q of c.clarifyingQuestions) out.push(`   - ask: ${oneLine(q.question)} Options: ${q.options.map((o) => `"${oneLine(o)}"`).join(', ')}`)
        return out.join('\n')
      })
      .join('\n'),
  )

  add(
    'Sessions not yet processed',
    data.unprocessedSessions
      .map((s) => {
        const head = `- Conversation of ${f.dateTime(s.createdAt)} (${s.status}, ${s.messageCount} message${s.messageCount === 1 ? '' : 's'})`
        const shown = s.messages.length < s.messageCount ? `\n  (last ${s.messages.length})` : ''
        return head + shown + s.messages.map((m) => `\n  ${messageLine(m, f)}`).join('')
      })
      .join('\n'),
  )

  add(`Last ${data.lastMessages.length} message${data.lastMessages.length === 1 ? '' : 's'} of this conversation`, data.lastMessages.map((m) => messageLine(m, f)).join('\n'))

  return sections.join('\n\n') + (sections.length ? '\n' : '')
}

function memoryLine(m: ContextMemory, f: Formatters, withVersion: boolean): string {
  const notes: string[] = []
  const when = eventDates(m.eventDateStart, m.eventDateEnd, f)
  if (when) notes.push(`when: ${when}`)
  notes.push(`noted ${f.date(m.createdAt)}`)
  if (withVersion) notes.push(`version ${m.versionNumber} of ${m.totalVersions}`)
  if (m.categories.length) notes.push(m.categories.join(', '))
  if (m.mergeConflictInProgress) notes.push('disputed: a merge conflict is open')
  return `${oneLine(m.content)} (${notes.join('; ')})`
}

function versionNote(v: ContextVersion, f: Formatters): string {
  const parts: string[] = []
  const when = eventDates(v.eventDateStart, v.eventDateEnd, f)
  if (when) parts.push(`when: ${when}`)
  parts.push(`noted ${f.date(v.createdAt)}`)
  if (v.expiredAt) parts.push(`replaced ${f.date(v.expiredAt)}${v.expirationReason ? `: ${REASONS[v.expirationReason]}` : ''}`)
  return parts.join('; ')
}

function eventDates(start: Date | null, end: Date | null, f: Formatters): string {
  if (!start) return end ? `until ${f.eventDate(end)}` : ''
  const s = f.eventDate(start)
  if (!end) return s
  const e = f.eventDate(end)
  return e === s ? s : `${s} to ${e}`
}

function messageLine(m: ContextMessage, f: Formatters): string {
  return `- [${f.dateTime(m.timestamp)}] ${m.role}: ${indent(m.content.trim(), '  ')}`
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

function indent(s: string, pad: string): string {
  return s.replace(/\r?\n/g, `\n${pad}`)
}

function quote(s: string): string {
  return s
    .trim()
    .split(/\r?\n/)
    .map((l) => `> ${l}`)
    .join('\n')
}

interface Formatters {
  date(d: Date): string
  dateTime(d: Date): string
  /** event dates: a date at midnight UTC is a calendar date and is shown as such, not shifted */
  eventDate(d: Date): string
}

const FORMATTER_CACHE = new Map<string, Formatters>()

function formatters(timeZone: string): Formatters {
  const cached = FORMATTER_CACHE.get(timeZone)
  if (cached) return cached
  const make = (tz: string, time: boolean) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(time ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    })
  const dateFmt = make(timeZone, false)
  const timeFmt = make(timeZone, true)
  const utcDate = make('UTC', false)
  const ymd = (fmt: Intl.DateTimeFormat, d: Date) => {
    const p = fmt.formatToParts(d)
    const g = (t: string) => p.find((x) => x.type === t)?.value ?? ''
    return { date: `${g('year')}-${g('month')}-${g('day')}`, time: `${g('hour')}:${g('minute')}` }
  }
  const out: Formatters = {
    date: (d) => ymd(dateFmt, d).date,
    dateTime: (d) => {
      const x = ymd(timeFmt, d)
      return `${x.date} ${x.time}`
    },
    eventDate: (d) => (d.getTime() % 86_400_000 === 0 ? ymd(utcDate, d).date : ymd(dateFmt, d).date),
  }
  if (FORMATTER_CACHE.size > 50) FORMATTER_CACHE.clear()
  FORMATTER_CACHE.set(timeZone, out)
  return out
}

const VALID_ZONES = new Set<string>(['UTC'])

/** Throws RangeError when the time zone is not a valid IANA name. */
export function checkTimeZone(timeZone: string): void {
  if (VALID_ZONES.has(timeZone)) return
  new Intl.DateTimeFormat('en-US', { timeZone })
  if (VALID_ZONES.size < 100) VALID_ZONES.add(timeZone)
}
