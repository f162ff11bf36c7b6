import { EngineError, InvalidSessionStateError, SessionNotFoundError } from '../core/errors'
import type { ChatMessage } from '../core/types'
import type { MemoryEngine } from '../engine/types'
import { getContext } from '../retrieval/getContext'
import { lastSessionMessages } from '../store/messageBlocks'
import type { ClientContext } from './context'

/** How many of the session's latest messages go into a reply's prompt at most (the engine trims further to fit its window). */
export const REPLY_HISTORY = 40

export interface ReplyOptions {
  /** Stops the reply; what was generated so far is kept. */
  signal?: AbortSignal
}

export interface ChatAvailability {
  available: boolean
  engineId: string
  /** Why replies are off, in words the app can show as they are. */
  reason?: string
}

export function chatAvailability(engine: MemoryEngine): ChatAvailability {
  if (engine.chat) return { available: true, engineId: engine.id }
  return {
    available: false,
    engineId: engine.id,
    reason:
      engine.id === 'rules'
        ? 'Replies need the local AI model, which is not loaded. Your messages are still stored, and memories still come from the built-in rules engine.'
        : `The engine "${engine.id}" cannot write replies. Your messages are still stored and turned into memories.`,
  }
}

/**
 * The assistant's reply to a session, streamed token by token: the prompt is the memory context
 * for the person's last message plus the session's recent messages. When the stream ends or is
 * stopped, what was generated is stored as an `assistant` message.
 */
export async function* streamReply(
  ctx: ClientContext,
  ids: { uid: string; userId: string; sessionId: string },
  store: (text: string) => Promise<unknown>,
  options: ReplyOptions = {},
): AsyncGenerator<string, void, undefined> {
  const engine = ctx.engine()
  if (!engine.chat) throw new EngineError(chatAvailability(engine).reason!, 'NO_CHAT')
  const session = await ctx.db.sessions.get(ids.sessionId)
  if (!session || session.uid !== ids.uid) throw new SessionNotFoundError(ids.sessionId)
  if (session.status === 'processing' || session.status === 'processed') {
    throw new InvalidSessionStateError(`Session ${ids.sessionId} is ${session.status}: start a new session to continue the conversation.`)
  }
  const rows = await lastSessionMessages(ctx.db, ids.sessionId, REPLY_HISTORY)
  const query = [...rows].reverse().find((m) => m.role === 'user')?.content
  const { context } = await getContext(ctx, ids, { query, lastNMessages: 0, includeSystemPrompt: true })
  const messages: ChatMessage[] = rows.map((m) => ({ role: m.role, content: m.content }))
  let text = ''
  try {
    for await (const token of engine.chat({ messages, context, signal: options.signal })) {
      if (options.signal?.aborted) break
      text += token
      yield token
    }
  } finally {
    // stored whether the reply finished, was stopped, or the caller stopped reading
    if (text.trim()) await store(text)
  }
}
