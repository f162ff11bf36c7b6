import { ImportError, ValidationError } from '../core/errors'
import type { JsonObject, MessageRecord, ProfileRecord, SessionRecord } from '../core/types'
import { LIMITS, parseZonedDate, requireId, requireText, validateMetadata, validateRole } from '../core/validation'
import { partKeyOf, SPACE_DOC, userWriteDocs } from '../sync/layout'
import { newIdOf, type BackupContext } from './context'

/**
 * Import of users in RecallrAI's shape ({ users: [{ user_id, metadata?, sessions?: [{
 * custom_created_at_utc?, metadata?, messages: [{ role, content }] }] }] }), as the records the API
 * would create for them. Reached through `client.importRecallrAI()`.
 */

export interface RecallrAIData {
  users: {
    user_id: string
    metadata?: JsonObject
    sessions?: {
      custom_created_at_utc?: string
      metadata?: JsonObject
      messages: { role: 'user' | 'assistant'; content: string }[]
    }[]
  }[]
}

export interface RecallrAIImportResult {
  usersCreated: number
  sessionsCreated: number
  messagesAdded: number
}

interface CheckedRecallrAIUser {
  userId: string
  metadata: JsonObject
  sessions: { createdAt: Date | undefined; metadata: JsonObject; messages: { role: 'user' | 'assistant'; content: string }[] }[]
}

function checkRecallrAI(data: unknown): CheckedRecallrAIUser[] {
  const at = <T>(path: string, f: () => T): T => {
    try {
      return f()
    } catch (e) {
      if (e instanceof ValidationError) throw new ImportError(e.message.replace(/^\S+ /, ''), path)
      throw e
    }
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObj(data) || !Array.isArray(data.users)) throw new ImportError('must be an object { users: [...] }', '$')
  const seen = new Set<string>()
  return data.users.map((u, i) => {
    const up = `$.users[${i}]`
    if (!isObj(u)) throw new ImportError('must be an object { user_id, metadata?, sessions? }', up)
    const userId = at(`${up}.user_id`, () => requireId(u.user_id, 'user_id'))
    if (seen.has(userId)) throw new ImportError(`duplicate user_id "${userId}"`, `${up}.user_id`)
    seen.add(userId)
    const metadata = at(`${up}.metadata`, () => validateMetadata(u.metadata ?? undefined, 'metadata'))
    if (u.sessions !== undefined && !Array.isArray(u.sessions)) throw new ImportError('must be an array', `${up}.sessions`)
    const sessions = ((u.sessions as unknown[] | undefined) ?? []).map((s, j) => {
      const sp = `${up}.sessions[${j}]`
      if (!isObj(s)) throw new ImportError('must be an object { custom_created_at_utc?, metadata?, messages }', sp)
      const createdAt = s.custom_created_at_utc == null ? undefined : at(`${sp}.custom_created_at_utc`, () => parseZonedDate(s.custom_created_at_utc, 'custom_created_at_utc'))
      const smeta = at(`${sp}.metadata`, () => validateMetadata(s.metadata ?? undefined, 'metadata'))
      if (!Array.isArray(s.messages)) throw new ImportError('must be an array of { role, content }', `${sp}.messages`)
      const messages = s.messages.map((m, k) => {
        const mp = `${sp}.messages[${k}]`
        if (!isObj(m)) throw new ImportError('must be an object { role, content }', mp)
        return {
          role: at(`${mp}.role`, () => validateRole(m.role)),
          content: at(`${mp}.content`, () => requireText(m.content, 'content', LIMITS.messageLength)),
        }
      })
      return { createdAt, metadata: smeta, messages }
    })
    return { userId, metadata, sessions }
  })
}

/** A user's records as createUser, createSession and addMessage would write them. */
interface PlannedRecallrAIUser {
  userId: string
  uid: string
  profile: Omit<ProfileRecord, 'uid'>
  sessions: { record: SessionRecord & { messageCount: number }; messages: MessageRecord[] }[]
}

/**
 * Imports users in RecallrAI's shape: each user is created, each session with its
 * `custom_created_at_utc` and metadata, and its messages in order (timestamped at the session's time
 * when it has one, else now). Sessions stay pending, so processing turns them into memories as for
 * any other session. The whole input is checked first (ImportError naming the first problem); a
 * user_id that already exists refuses the whole import. Everything is written in one transaction:
 * a failure leaves nothing.
 */
export async function importRecallrAIInto(ctx: BackupContext, data: unknown): Promise<RecallrAIImportResult> {
  const users = checkRecallrAI(data)
  const at = ctx.now().toISOString()
  const plan: PlannedRecallrAIUser[] = users.map((u) => {
    const uid = newIdOf(ctx)
    return {
      userId: u.userId,
      uid,
      profile: { name: '', about: '', metadata: u.metadata, mergeConflictEnabled: null, createdAt: at, updatedAt: at, lastActiveAt: at },
      sessions: u.sessions.map((s) => {
        const createdAt = s.createdAt ? s.createdAt.toISOString() : at
        const sessionId = newIdOf(ctx)
        const messages = s.messages.map((m, seq): MessageRecord => ({ messageId: newIdOf(ctx), sessionId, uid, seq, role: m.role, content: m.content, timestamp: createdAt }))
        const record: SessionRecord & { messageCount: number } = {
          sessionId,
          uid,
          status: 'pending',
          metadata: s.metadata,
          createdAt,
          autoProcessAfterSeconds: 600,
          lastMessageAt: messages.length ? createdAt : null,
          processedAt: null,
          error: null,
          updatedAt: at,
          ownerDevice: ctx.deviceId,
          messageCount: messages.length,
        }
        return { record, messages }
      }),
    }
  })
  const result: RecallrAIImportResult = { usersCreated: 0, sessionsCreated: 0, messagesAdded: 0 }
  const docNames = plan.flatMap((p) => userWriteDocs(p.uid, p.sessions.map((s) => partKeyOf(s.record.createdAt)), true))
  await ctx.store.write([SPACE_DOC, ...docNames], (tx) => {
    Object.assign(result, { usersCreated: 0, sessionsCreated: 0, messagesAdded: 0 })
    const directory = tx.space.directory
    // checked in the transaction, so a user created meanwhile (another tab) refuses the import too
    plan.forEach((p, i) => {
      if (directory.liveUid(p.userId)) throw new ImportError(`a user "${p.userId}" already exists; nothing was imported`, `$.users[${i}].user_id`)
    })
    for (const p of plan) {
      const user = tx.user(p.uid)
      directory.add(p.uid, { userId: p.userId, createdAt: at })
      user.profile.patch({ ...p.profile })
      for (const s of p.sessions) {
        user.sessions.set(s.record.sessionId, s.record)
        for (const m of s.messages) user.messages.append(m)
        result.sessionsCreated++
        result.messagesAdded += s.messages.length
      }
      result.usersCreated++
    }
  })
  return result
}
