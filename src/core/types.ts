/**
 * Domain types of Keepsake. Records are what is stored (ISO-8601 UTC strings for dates);
 * the public API turns them into objects with `Date` fields in src/client.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** ISO-8601 UTC timestamp string, e.g. 2025-01-08T10:00:00.000Z */
export type IsoDate = string

export const SESSION_STATUSES = ['pending', 'processing', 'processed', 'failed'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

export const MESSAGE_ROLES = ['user', 'assistant'] as const
export type MessageRole = (typeof MESSAGE_ROLES)[number]

export const EXPIRATION_REASONS = [
  'ADDITION_TO_EXISTING_MEMORY',
  'TEMPORAL_CONFLICT',
  'MERGE_CONFLICT',
  /** the person rewrote the memory (user.updateMemory) */
  'USER_EDIT',
] as const
export type ExpirationReason = (typeof EXPIRATION_REASONS)[number]

export const MERGE_CONFLICT_STATUSES = ['PENDING', 'IN_QUEUE', 'RESOLVING', 'RESOLVED', 'FAILED'] as const
export type MergeConflictStatus = (typeof MERGE_CONFLICT_STATUSES)[number]

/** A conflict still open: it holds its memories ("merge conflict in progress"). */
export function isOpenConflictStatus(status: MergeConflictStatus): boolean {
  return status === 'PENDING' || status === 'IN_QUEUE' || status === 'RESOLVING'
}

export interface Category {
  name: string
  description: string
}

export interface SpaceSettings {
  categories: Category[]
  mergeConflictsEnabled: boolean
  modelId: string | null
}

/** The user directory entry, kept in the space document: uid -> userId. */
export interface DirectoryRecord {
  uid: string
  /** null once the user is deleted (the entry stays so other devices learn of the delete). */
  userId: string | null
  createdAt: IsoDate
  deletedAt: IsoDate | null
}

/** The user's profile, kept in the user's own document. */
export interface ProfileRecord {
  uid: string
  name: string
  about: string
  metadata: JsonObject
  mergeConflictEnabled: boolean | null
  createdAt: IsoDate
  updatedAt: IsoDate
  lastActiveAt: IsoDate
}

export interface DocRecord {
  docId: string
  uid: string
  title: string
  content: string
  metadata: JsonObject
  createdAt: IsoDate
}

export interface SessionRecord {
  sessionId: string
  uid: string
  status: SessionStatus
  metadata: JsonObject
  createdAt: IsoDate
  autoProcessAfterSeconds: number
  lastMessageAt: IsoDate | null
  processedAt: IsoDate | null
  error: string | null
  updatedAt: IsoDate
  /** Device that claimed the processing of this session (cross-device rule, see src/pipeline/crossDevice.ts). */
  processingBy?: string | null
  /** The claim that processed it: after a race between devices, the claim that wins (Yjs's LWW) keeps its memories. */
  claimId?: string | null
  /** The device that created the session: the one that auto-processes it. */
  ownerDevice?: string | null
  /**
   * Projection only (not stored in the document): the history part (`YYYY-MM`) whose document holds
   * the session; absent for a session still in its user document from before the split.
   */
  part?: string
  /** What processing changed (for the app's "Memory updated" notice). */
  summary?: ProcessingSummary | null
  /** A temporary chat: it never forms memories, and other chats' contexts leave its messages out. */
  temporary?: boolean
}

export interface ProcessingSummary {
  facts: number
  /** memoryIds of new chains */
  added: string[]
  /** memoryIds of new versions of existing chains */
  updated: string[]
  ignored: number
  conflicts: string[]
}

export interface MessageRecord {
  messageId: string
  sessionId: string
  uid: string
  seq: number
  role: MessageRole
  content: string
  timestamp: IsoDate
}

export interface MemoryRecord {
  memoryId: string
  uid: string
  chainId: string
  prevVersionId: string | null
  content: string
  categories: string[]
  eventDateStart: IsoDate | null
  eventDateEnd: IsoDate | null
  createdAt: IsoDate
  expiredAt: IsoDate | null
  expirationReason: ExpirationReason | null
  /** the conflict that ended this version, or that produced it (set when a conflict is resolved) */
  mergeConflictId: string | null
  /** the unresolved conflict that holds this live version; "in progress" while that conflict is open */
  pendingConflictId: string | null
  sessionId: string | null
  sourceMessageIds: string[]
  /** the processing claim that wrote this version (cross-device rule: one device processes a session) */
  claimId?: string | null
  /** the processing claim that expired this version */
  expiredByClaim?: string | null
  /** the person wrote this version's text: added by hand (user.addMemory) or edited (user.updateMemory) */
  byUser?: boolean
}

/** An undirected link between two chains; chainA < chainB. */
export interface ConnectionRecord {
  connectionId: string
  uid: string
  chainA: string
  chainB: string
  createdAt: IsoDate
}

export interface ClarifyingQuestion {
  question: string
  options: string[]
}

export interface ConflictingMemory {
  memoryId: string
  content: string
  reason: string
  categories?: string[]
  eventDateStart?: IsoDate | null
  eventDateEnd?: IsoDate | null
}

export interface ConflictAnswer {
  question: string
  answer: string
  message?: string
}

/** A fact as stored on a conflict while it waits for the user. */
export interface StoredFact {
  content: string
  categories: string[]
  eventDateStart: IsoDate | null
  eventDateEnd: IsoDate | null
  sourceMessageIds: string[]
}

export interface ConflictRecord {
  conflictId: string
  uid: string
  sessionId: string | null
  status: MergeConflictStatus
  proposedMemoryContent: string
  proposedFact: StoredFact
  conflictingMemories: ConflictingMemory[]
  clarifyingQuestions: ClarifyingQuestion[]
  resolutionData: { answers: ConflictAnswer[] } | null
  /** memoryIds of the versions written when it was resolved */
  newMemories: string[]
  createdAt: IsoDate
  resolvedAt: IsoDate | null
  error: string | null
  /** 'pipeline' for conflicts raised by processing, 'sync' for two live heads after sync */
  origin: 'pipeline' | 'sync'
  /** the processing claim that raised it */
  claimId?: string | null
}

// ---- The engine boundary (see src/engine/types.ts for the MemoryEngine interface) ----

export interface ExtractedFact {
  content: string
  categories: string[]
  eventDateStart?: Date
  eventDateEnd?: Date
  /** indexes into the messages given to extract */
  sources?: number[]
}

/** A live memory offered to the engine as a candidate for a decision. */
export interface MemoryCandidate {
  memoryId: string
  content: string
  categories: string[]
  eventDateStart?: Date
  eventDateEnd?: Date
  createdAt: Date
}

export type Decision =
  | { kind: 'INSERT'; relatedMemoryIds?: string[] }
  | { kind: 'IGNORE'; reason: string }
  | { kind: 'ADDITION_TO_EXISTING_MEMORY'; memoryId: string; content: string }
  | { kind: 'TEMPORAL_CONFLICT'; memoryIds: string[] }
  | { kind: 'MERGE_CONFLICT'; memoryIds: string[]; reason: string }

export type DecisionKind = Decision['kind']

export interface ResolvedMemory {
  content: string
  categories: string[]
  eventDateStart?: Date
  eventDateEnd?: Date
  /** the conflicting memoryId whose chain this result continues */
  replaces: string
}

export interface EngineMessage {
  role: MessageRole
  content: string
  timestamp?: Date
}

export interface ChatMessage {
  role: 'system' | MessageRole
  content: string
}
