import type { ProfileRecord, SessionRecord } from '../core/types'
import type { KeepsakeDB } from './db'
import { lastSessionMessage, lastUserMessageAt } from './messageBlocks'

/**
 * Activity that is read from the messages index rather than stored on the profile and session
 * rows: a message then costs one row, not three (see SESSION_ACTIVITY_FIELDS in src/sync/layout.ts).
 */
/**
 * When the user last wrote: the newest of the profile's lastActiveAt and their newest message.
 * Messages do not rewrite the profile (that would cost every addMessage a second row); the
 * activity is read from the messages index instead.
 */
export async function withActivity(db: KeepsakeDB, profile: ProfileRecord): Promise<ProfileRecord> {
  const last = await lastUserMessageAt(db, profile.uid)
  return last && last > profile.lastActiveAt ? { ...profile, lastActiveAt: last } : profile
}

/** The session row with `lastMessageAt` read from its newest message (the row does not carry it). */
export async function withLastMessage(db: KeepsakeDB, session: SessionRecord): Promise<SessionRecord> {
  const last = await lastSessionMessage(db, session.sessionId)
  return { ...session, lastMessageAt: last?.timestamp ?? null }
}

export function withLastMessages(db: KeepsakeDB, sessions: SessionRecord[]): Promise<SessionRecord[]> {
  return Promise.all(sessions.map((s) => withLastMessage(db, s)))
}
