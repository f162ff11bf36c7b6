import { create } from 'zustand'
import type { Session, SessionStatus } from '../../index'
import { errorMessage } from '../lib/errors'
import { titleFrom } from '../lib/format'
import { useUserStore } from './userStore'

export interface SessionView {
  sessionId: string
  status: SessionStatus
  createdAt: Date
  lastMessageAt: Date | null
  processedAt: Date | null
  error: string | null
  /** From the first message; null while the session has none. */
  title: string | null
  /** a temporary chat: it never becomes memories */
  temporary: boolean
}

interface SessionState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  sessions: SessionView[]
  total: number
  /** The open conversation; null is a new chat that becomes a session with its first message. */
  activeId: string | null
  query: string
  /** Reads the list again; returns the ids of sessions whose status changed since the last read. */
  load(options?: { selectNewest?: boolean }): Promise<string[]>
  select(sessionId: string | null): void
  setQuery(query: string): void
  /** A session that can take the next message: the active one, or a new one when it cannot. */
  writableSession(): Promise<Session>
  /** The next new chat is a temporary one (chosen on the empty "New chat" screen). */
  temporaryNext: boolean
  setTemporaryNext(on: boolean): void
  /** Records a sent message in the list (new title, date, status back to pending). */
  touched(session: Session, text: string): void
  /** Replaces one session's snapshot after it changed (processed, failed). */
  refreshOne(sessionId: string): Promise<void>
  /** Turns the session into memories now; resolves when it is processed or failed. */
  process(sessionId: string): Promise<void>
}

const PAGE = 100
const handles = new Map<string, Session>()
/** Sessions this tab is processing with "Process now": their conversation says what changed, no notice. */
const processingHere = new Set<string>()

export function isProcessingHere(sessionId: string): boolean {
  return processingHere.has(sessionId)
}
const titles = new Map<string, string>()

export function sessionHandle(sessionId: string): Session | undefined {
  return handles.get(sessionId)
}

function viewOf(s: Session): SessionView {
  return {
    sessionId: s.sessionId,
    status: s.status,
    createdAt: s.createdAt,
    lastMessageAt: s.lastMessageAt,
    processedAt: s.processedAt,
    error: s.error,
    title: titles.get(s.sessionId) ?? null,
    temporary: s.temporary,
  }
}

async function titleOf(s: Session): Promise<void> {
  if (titles.has(s.sessionId)) return
  const { messages } = await s.getMessages({ limit: 1 })
  if (messages[0]) titles.set(s.sessionId, titleFrom(messages[0].content))
}

export const useSessionStore = create<SessionState>()((set, get) => ({
  status: 'loading',
  error: null,
  sessions: [],
  total: 0,
  activeId: null,
  query: '',

  async load(options = {}) {
    const user = useUserStore.getState().current
    if (!user) {
      set({ status: 'ready', sessions: [], total: 0, activeId: null })
      return []
    }
    if (options.selectNewest) set({ status: 'loading', sessions: [], activeId: null })
    try {
      const { sessions, total } = await user.listSessions({ limit: PAGE })
      await Promise.all(sessions.map(titleOf))
      handles.clear()
      for (const s of sessions) handles.set(s.sessionId, s)
      // Sessions without a message yet are drafts left behind by another tab: not worth a row.
      const views = sessions.map(viewOf).filter((v) => v.title !== null || v.sessionId === get().activeId)
      const active = options.selectNewest ? (views[0]?.sessionId ?? null) : get().activeId
      const before = new Map(get().sessions.map((v) => [v.sessionId, v.status]))
      const changed = views.filter((v) => before.has(v.sessionId) && before.get(v.sessionId) !== v.status).map((v) => v.sessionId)
      set({ status: 'ready', error: null, sessions: views, total, activeId: active && handles.has(active) ? active : null })
      return changed
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
      return []
    }
  },

  select(sessionId) {
    set({ activeId: sessionId })
  },

  setQuery(query) {
    set({ query })
  },

  async writableSession() {
    const active = get().activeId
    const current = active ? handles.get(active) : undefined
    if (current && (current.status === 'pending' || current.status === 'failed')) return current
    const user = useUserStore.getState().current
    if (!user) throw new Error('Create a profile first')
    const created = await user.createSession({ temporary: get().temporaryNext })
    handles.set(created.sessionId, created)
    set({ temporaryNext: false })
    return created
  },

  temporaryNext: false,
  setTemporaryNext(on) {
    set({ temporaryNext: on })
  },

  touched(session, text) {
    if (!titles.has(session.sessionId)) titles.set(session.sessionId, titleFrom(text))
    const view = viewOf(session)
    const rest = get().sessions.filter((v) => v.sessionId !== session.sessionId)
    const known = rest.length < get().sessions.length
    const sessions = known ? get().sessions.map((v) => (v.sessionId === session.sessionId ? view : v)) : [view, ...rest]
    set({ sessions, total: get().total + (known ? 0 : 1), activeId: session.sessionId })
  },

  async refreshOne(sessionId) {
    const s = handles.get(sessionId)
    if (!s) return
    await s.refresh()
    set({ sessions: get().sessions.map((v) => (v.sessionId === sessionId ? viewOf(s) : v)) })
  },

  async process(sessionId) {
    const s = handles.get(sessionId)
    if (!s) return
    set({ sessions: get().sessions.map((v) => (v.sessionId === sessionId ? { ...v, status: 'processing', error: null } : v)) })
    processingHere.add(sessionId)
    try {
      await s.process()
    } finally {
      await get().refreshOne(sessionId).catch(() => undefined)
      processingHere.delete(sessionId)
    }
  },
}))

/** The sessions shown in the list: filtered by the search box (title match, case-insensitive). */
export function visibleSessions(sessions: SessionView[], query: string): SessionView[] {
  const q = query.trim().toLowerCase()
  if (!q) return sessions
  return sessions.filter((s) => (s.title ?? '').toLowerCase().includes(q))
}
