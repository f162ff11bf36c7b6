import { create } from 'zustand'
import type { Message } from '../../index'
import { announce } from '../lib/changes'
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
  /** Stores the user's message; throws the typed error when it was refused. */
  send(text: string): Promise<void>
}

const MESSAGES_PAGE = 200

async function allMessages(sessionId: string): Promise<Message[]> {
  const s = sessionHandle(sessionId)
  if (!s) return []
  const out: Message[] = []
  for (let offset = 0; ; offset += MESSAGES_PAGE) {
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
    } catch (e) {
      if (get().sessionId === sessionId) set({ status: 'error', error: errorMessage(e) })
    }
  },

  async send(text) {
    set({ sending: true })
    try {
      const sessions = useSessionStore.getState()
      const session = await sessions.writableSession()
      const message = await session.addMessage('user', text)
      const sameSession = get().sessionId === session.sessionId
      set({ sessionId: session.sessionId, status: 'ready', error: null, messages: sameSession ? [...get().messages, message] : [message] })
      sessions.touched(session, text)
      announce({ kind: 'messages', sessionId: session.sessionId })
    } finally {
      set({ sending: false })
    }
  },
}))
