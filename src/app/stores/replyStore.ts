import { create } from 'zustand'
import { errorMessage } from '../lib/errors'
import { client } from './clientStore'
import { useConversationStore } from './conversationStore'
import { sessionHandle } from './sessionStore'
import { useStorageStore } from './storageStore'
import { useForgetStore } from './forgetStore'

interface ReplyState {
  /** the session the assistant is replying in; null when no reply is streaming */
  sessionId: string | null
  /** the reply so far */
  text: string
  stopping: boolean
  /** why the last reply failed, in the session it failed in */
  failure: { sessionId: string; message: string } | null
  /** Streams the assistant's reply to the session's last message; the library stores it when done or stopped. */
  start(sessionId: string): Promise<void>
  /** Stops the reply; what was written so far is kept. */
  stop(): void
  dismissFailure(): void
}

let controller: AbortController | null = null

export const useReplyStore = create<ReplyState>()((set, get) => ({
  sessionId: null,
  text: '',
  stopping: false,
  failure: null,

  async start(sessionId) {
    const session = sessionHandle(sessionId)
    if (!session || get().sessionId || !client().chatAvailability().available) return
    const ctl = new AbortController()
    controller = ctl
    set({ sessionId, text: '', stopping: false, failure: null })
    let failure: string | null = null
    try {
      for await (const token of session.streamReply({ signal: ctl.signal })) set({ text: get().text + token })
    } catch (e) {
      if (!ctl.signal.aborted) failure = errorMessage(e)
    }
    // The stored message takes the streamed one's place in the same render: nothing moves.
    const conversation = useConversationStore.getState()
    if (conversation.sessionId === sessionId) await conversation.catchUp()
    controller = null
    set({ sessionId: null, text: '', stopping: false, failure: failure ? { sessionId, message: failure } : null })
  },

  stop() {
    if (!controller) return
    set({ stopping: true })
    controller.abort()
  },

  dismissFailure() {
    set({ failure: null })
  },
}))

/**
 * Sends the person's message (a processed chat continues in a new one), then the assistant's reply
 * streams in when a model can write one. The first message ever sent is when the browser is asked
 * to keep Keepsake's storage (persistence), once.
 */
export async function sendMessage(text: string): Promise<void> {
  await useConversationStore.getState().send(text)
  void useStorageStore.getState().askOnce()
  const sessionId = useConversationStore.getState().sessionId
  // "forget that I live in Paris": asked for confirmation in the chat, never deleted at once
  if (sessionId) void useForgetStore.getState().check(sessionId, text)
  if (sessionId) void useReplyStore.getState().start(sessionId)
}
