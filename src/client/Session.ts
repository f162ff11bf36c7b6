import { InvalidSessionStateError, SessionNotFoundError, ValidationError } from '../core/errors'
import type { JsonObject, MessageRecord, MessageRole, ProcessingSummary, SessionRecord, SessionStatus } from '../core/types'
import { streamReply, type ReplyOptions } from '../pipeline/reply'
import { withLastMessage } from '../store/activity'
import { sessionMessagePage } from '../store/messageBlocks'
import { LIMITS, parseZonedDate, requireText, validateMetadata, validatePage, validateRole } from '../core/validation'
import { partKeyOf, sessionDocName } from '../sync/layout'
import type { UserView } from '../sync/schema/views'
import { nowIso, writeUser, type ClientContext, type WriteScope } from '../pipeline/context'
import { getContext, type GetContextOptions, type SessionContext } from '../retrieval/getContext'

export interface Message {
  messageId: string
  sessionId: string
  role: MessageRole
  content: string
  timestamp: Date
  seq: number
}

export interface AddMessageOptions {
  /** When the message was said (defaults to now); for imports of past conversations. */
  timestamp?: Date | string
}

export function toMessage(r: MessageRecord): Message {
  return { messageId: r.messageId, sessionId: r.sessionId, role: r.role, content: r.content, timestamp: new Date(r.timestamp), seq: r.seq }
}

/** A handle on one session. Fields are a snapshot; `refresh()` reads them again. */
export class Session {
  sessionId!: string
  userId!: string
  status!: SessionStatus
  metadata!: JsonObject
  createdAt!: Date
  autoProcessAfterSeconds!: number
  lastMessageAt!: Date | null
  processedAt!: Date | null
  error!: string | null
  /** What processing changed (new and changed memories, conflicts), once processed. */
  summary!: ProcessingSummary | null
  /** a temporary chat: it never forms memories, and other chats' contexts leave it out */
  temporary!: boolean

  /** @internal */
  readonly uid: string
  /** @internal the history part that holds the session (undefined: its user document, from before the split) */
  part: string | undefined

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    record: SessionRecord,
    userId: string,
    private readonly processor?: (s: Session) => Promise<void>,
  ) {
    this.uid = record.uid
    this.assign(record, userId)
  }

  private assign(r: SessionRecord, userId: string): void {
    this.part = r.part
    this.sessionId = r.sessionId
    this.userId = userId
    this.status = r.status
    this.metadata = r.metadata ?? {}
    this.createdAt = new Date(r.createdAt)
    this.autoProcessAfterSeconds = r.autoProcessAfterSeconds
    this.lastMessageAt = r.lastMessageAt ? new Date(r.lastMessageAt) : null
    this.processedAt = r.processedAt ? new Date(r.processedAt) : null
    this.error = r.error ?? null
    this.summary = r.summary ?? null
    this.temporary = r.temporary === true
  }

  /**
   * A write to this session's part only (the user document is not loaded). If the session moved
   * since this handle last looked (an older session moved into its part on open), the write is
   * made again where the session is now.
   */
  private async write<T>(fn: (user: UserView) => T, scope: Omit<WriteScope, 'parts' | 'userDoc'> = {}): Promise<T> {
    const run = () => writeUser(this.ctx, this.uid, this.userId, fn, { ...scope, parts: [this.part], userDoc: false })
    try {
      return await run()
    } catch (e) {
      if (!(e instanceof SessionNotFoundError)) throw e
      const now = await this.ctx.db.sessions.get(this.sessionId)
      if (!now || now.uid !== this.uid || now.part === this.part) throw e
      this.part = now.part
      return run()
    }
  }

  private async record(): Promise<SessionRecord> {
    const r = await this.ctx.db.sessions.get(this.sessionId)
    if (!r || r.uid !== this.uid) throw new SessionNotFoundError(this.sessionId)
    return r
  }

  async refresh(): Promise<this> {
    const r = await withLastMessage(this.ctx.db, await this.record())
    const dir = await this.ctx.db.directory.get(this.uid)
    if (!dir?.userId) throw new SessionNotFoundError(this.sessionId)
    this.assign(r, dir.userId)
    return this
  }

  /** Adds a message; the session must be pending (a failed session goes back to pending). */
  async addMessage(role: MessageRole, content: string, options: AddMessageOptions = {}): Promise<Message> {
    const r = validateRole(role)
    const text = requireText(content, 'content', LIMITS.messageLength)
    const at = options.timestamp !== undefined ? parseZonedDate(options.timestamp, 'timestamp').toISOString() : nowIso(this.ctx)
    const rec = await this.write((user) => {
      const s = user.sessions.require(this.sessionId)
      const status = s.status
      if (status === 'processing' || status === 'processed') {
        throw new InvalidSessionStateError(`Session ${this.sessionId} is ${status}: it takes no more messages. Start a new session.`)
      }
      const seq = s.messageCount ?? 0
      const message: MessageRecord = { messageId: this.ctx.newId(), sessionId: this.sessionId, uid: this.uid, seq, role: r, content: text, timestamp: at }
      user.messages.append(message)
      // only the per-message counters change in the common case: no session row is rewritten
      user.sessions.patch(this.sessionId, { messageCount: seq + 1, lastMessageAt: at, status: 'pending', error: null })
      return message
    }, { tables: ['messageBlocks', 'sessions'] })
    this.status = 'pending'
    this.error = null
    this.lastMessageAt = new Date(at)
    return toMessage(rec)
  }

  async getMessages(options: { offset?: number; limit?: number } = {}): Promise<{ messages: Message[]; total: number; hasMore: boolean }> {
    const { offset, limit } = validatePage(options, 50, 200)
    await this.record()
    const { messages, total } = await sessionMessagePage(this.ctx.db, this.sessionId, offset, limit)
    return { messages: messages.map(toMessage), total, hasMore: offset + messages.length < total }
  }

  /** Replaces the session's metadata. */
  async update(options: { newMetadata?: JsonObject }): Promise<this> {
    if (options.newMetadata === undefined) return this
    const metadata = validateMetadata(options.newMetadata, 'newMetadata')
    await this.write((user) => {
      user.sessions.require(this.sessionId)
      user.sessions.patch(this.sessionId, { metadata, updatedAt: nowIso(this.ctx) })
    })
    this.metadata = metadata
    return this
  }

  /**
   * Deletes the session and its messages (memories drawn from it stay, with their provenance), also
   * on a full disk (ReplicatedStore.deleting); the user's log is compacted after it, so the messages'
   * words leave the disk.
   */
  async delete(): Promise<void> {
    const write = () =>
      this.write((user) => {
        user.sessions.require(this.sessionId)
        // every message stored for the session goes, also those that fail their schema
        for (const id of user.messages.idsOfSession(this.sessionId)) user.messages.delete(id)
        user.sessions.delete(this.sessionId)
      })
    await this.ctx.store.deleting(write, [sessionDocName(this.uid, this.part)])
  }

  /**
   * The memory context for the assistant's next reply: relevant memories (with their history and
   * connected memories), documents and earlier messages, open merge conflicts, unprocessed sessions
   * and this session's last messages, as Markdown. See GetContextOptions.
   */
  getContext(options: GetContextOptions = {}): Promise<SessionContext> {
    return getContext(this.ctx, { uid: this.uid, userId: this.userId, sessionId: this.sessionId }, options)
  }

  /**
   * The assistant's reply, streamed token by token from the engine's `chat`, with the memory context
   * of the person's last message in its prompt. The reply is stored as an assistant message when it
   * ends or is stopped (`signal`). Throws EngineError (reason NO_CHAT) when the engine cannot chat.
   */
  streamReply(options: ReplyOptions = {}): AsyncGenerator<string, void, undefined> {
    return streamReply(this.ctx, { uid: this.uid, userId: this.userId, sessionId: this.sessionId }, (text) => this.addMessage('assistant', text), options)
  }

  /** Processes the session into memories; resolves when it is processed or failed. */
  async process(): Promise<this> {
    if (!this.processor) throw new InvalidSessionStateError('This client has no processing pipeline')
    await this.processor(this)
    return this.refresh()
  }
}

export function newSessionRecord(
  ctx: ClientContext,
  uid: string,
  options: { autoProcessAfterSeconds?: number; metadata?: JsonObject; customCreatedAtUtc?: Date | string; temporary?: boolean },
): SessionRecord {
  if (options.temporary !== undefined && typeof options.temporary !== 'boolean') throw new ValidationError('temporary must be true or false', 'temporary')
  const auto = options.autoProcessAfterSeconds ?? 600
  if (typeof auto !== 'number' || !Number.isInteger(auto) || auto < 0 || auto > LIMITS.maxAutoProcessSeconds) {
    throw new ValidationError(`autoProcessAfterSeconds must be an integer from 0 to ${LIMITS.maxAutoProcessSeconds}`, 'autoProcessAfterSeconds')
  }
  const createdAt = options.customCreatedAtUtc !== undefined ? parseZonedDate(options.customCreatedAtUtc, 'customCreatedAtUtc').toISOString() : nowIso(ctx)
  return {
    part: partKeyOf(createdAt),
    sessionId: ctx.newId(),
    uid,
    status: 'pending',
    metadata: validateMetadata(options.metadata),
    createdAt,
    autoProcessAfterSeconds: auto,
    lastMessageAt: null,
    processedAt: null,
    error: null,
    updatedAt: nowIso(ctx),
    ownerDevice: ctx.deviceId,
    ...(options.temporary ? { temporary: true } : {}),
  }
}
