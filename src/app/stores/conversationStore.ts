import { create } from 'zustand'
import type { Message } from '../../index'
import { errorMessage } from '../lib/errors'
import { sessionHandle, useSessionStore } from './sessionStore'

interface ConversationState {
  sessionId: string | null
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  messages: Message[]
  sending: boolean
  /** Messages a memory was drawn from ("From this chat"), marked and scrolled to. */
  highlighted: string[]
  highlight(messageIds: string[]): void
  load(sessionId: string | null, options?: { quiet?: boolean }): Promise<void>
  /**
   * New messages of the open conversation (another tab's or device's, or a stored reply): reads the
   * last block's worth of messages and what follows, not the whole session. `ids`: the messages the
   * change named; when they are all shown already, nothing is read.
   */
  catchUp(ids?: string[]): Promise<void>
  /** Stores the user's message; throws the typed error when it was refused. */
  send(text: string): Promise<void>
}

const MESSAGES_PAGE = 200
/** How many of the shown messages a catch-up reads again (one block): a message another device added while apart may sort among them. */
const TAIL = 16

function byOrder(a: Message, b: Message): number {
  return a.seq - b.seq || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0)
}

/** Catch-ups run one at a time; requests made meanwhile fold into the next one. */
let catchUpChain: Promise<void> = Promise.resolve()
let catchUpQueued = false
/** ids named by the changes the queued catch-up answers */
let catchUpIds = new Set<string>()
/** a change came while the conversation was loading: catch up once it is shown */
let catchUpAfterLoad = false

async function allMessages(sessionId: string, from = 0): Promise<Message[]> {
  const s = sessionHandle(sessionId)
  if (!s) return []
  const out: Message[] = []
  for (let offset = from; ; offset += MESSAGES_PAGE) {
    const page = await s.getMessages({ offset, limit: MESSAGES_PAGE })
    out.push(...page.messages)
    if (!page.hasMore) return out
  }
}

export const useConversationStore = create<ConversationState>()((set, get) => ({
  sessionId: null,
  status: 'idle',
  error: null,
  messages: [],
  sending: false,
  highlighted: [],

  highlight(messageIds) {
    set({ highlighted: messageIds })
  },

  async load(sessionId, options = {}) {
    if (!sessionId) {
      set({ sessionId: null, status: 'ready', error: null, messages: [] })
      return
    }
    if (!options.quiet || get().sessionId !== sessionId) set({ sessionId, status: 'loading', error: null, messages: [] })
    try {
      const messages = await allMessages(sessionId)
      if (get().sessionId === sessionId) set({ status: 'ready', messages })
      if (catchUpAfterLoad && get().status === 'ready') {
        catchUpAfterLoad = false
        void get().catchUp()
      }
    } catch (e) {
      if (get().sessionId === sessionId) set({ status: 'error', error: errorMessage(e) })
    }
  },

  catchUp(ids = []) {
    const shown = new Set(get().messages.map((m) => m.messageId))
    if (ids.length && ids.every((id) => shown.has(id))) return catchUpChain
    for (const id of ids) catchUpIds.add(id)
    if (catchUpQueued) return catchUpChain
    catchUpQueued = true
    catchUpChain = catchUpChain.then(async () => {
      catchUpQueued = false
      const wanted = [...catchUpIds]
      catchUpIds = new Set()
      const { sessionId, status, messages } = get()
      if (!sessionId) return
      if (status !== 'ready') {
        // a load under way may have read before the change: catch up after it
        catchUpAfterLoad = status === 'loading'
        return
      }
      const from = Math.max(0, messages.length - TAIL)
      let tail: Message[]
      try {
        tail = await allMessages(sessionId, from)
      } catch {
        return // the session is gone: the session list says so
      }
      if (get().sessionId !== sessionId || get().status !== 'ready') return
      const now = get().messages
      // a message sent here while this read ran stays
      const read = new Set(tail.map((m) => m.messageId))
      const merged = [...now.slice(0, from), ...[...tail, ...now.slice(from).filter((m) => !read.has(m.messageId))].sort(byOrder)]
      const have = new Set(merged.map((m) => m.messageId))
      if (wanted.every((id) => have.has(id))) {
        set({ messages: merged })
        return
      }
      // a message that sorts before the tail (two devices apart for long): read the whole session once
      try {
        const all = await allMessages(sessionId)
        if (get().sessionId === sessionId) set({ messages: all })
      } catch {
        /* as above */
      }
    })
    return catchUpChain
  },

  async send(text) {
    set({ sending: true })
    try {
      const sessions = useSessionStore.getState()
      const session = await sessions.writableSession()
      const message = await session.addMessage('user', text)
      const sameSession = get().sessionId === session.sessionId
      // (the change feed may have shown it already)
      set({ sessionId: session.sessionId, status: 'ready', error: null, messages: sameSession ? [...get().messages.filter((m) => m.messageId !== message.messageId), message] : [message] })
      sessions.touched(session, text)
    } finally {
      set({ sending: false })
    }
  },
}))
