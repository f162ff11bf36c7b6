/** Every error Keepsake throws on purpose extends KeepsakeError, so hosts can catch them as one. */
export class KeepsakeError extends Error {
  readonly code: string
  constructor(message: string, code = 'KEEPSAKE_ERROR') {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}

export class ValidationError extends KeepsakeError {
  readonly field?: string
  constructor(message: string, field?: string) {
    super(message, 'VALIDATION_ERROR')
    this.field = field
  }
}

export class UserNotFoundError extends KeepsakeError {
  readonly userId: string
  constructor(userId: string) {
    super(`User not found: ${userId}`, 'USER_NOT_FOUND')
    this.userId = userId
  }
}

export class UserAlreadyExistsError extends KeepsakeError {
  readonly userId: string
  constructor(userId: string) {
    super(`A user with id "${userId}" already exists`, 'USER_ALREADY_EXISTS')
    this.userId = userId
  }
}

export class InvalidCategoriesError extends KeepsakeError {
  readonly invalidCategories: string[]
  constructor(invalidCategories: string[]) {
    super(`Unknown categories: ${invalidCategories.join(', ')}`, 'INVALID_CATEGORIES')
    this.invalidCategories = invalidCategories
  }
}

export class SessionNotFoundError extends KeepsakeError {
  readonly sessionId: string
  constructor(sessionId: string) {
    super(`Session not found: ${sessionId}`, 'SESSION_NOT_FOUND')
    this.sessionId = sessionId
  }
}

export class InvalidSessionStateError extends KeepsakeError {
  constructor(message: string) {
    super(message, 'INVALID_SESSION_STATE')
  }
}

export class MemoryNotFoundError extends KeepsakeError {
  readonly memoryId: string
  constructor(memoryId: string) {
    super(`Memory not found: ${memoryId}`, 'MEMORY_NOT_FOUND')
    this.memoryId = memoryId
  }
}

export class DocNotFoundError extends KeepsakeError {
  readonly docId: string
  constructor(docId: string) {
    super(`Document not found: ${docId}`, 'DOC_NOT_FOUND')
    this.docId = docId
  }
}

export class MergeConflictNotFoundError extends KeepsakeError {
  readonly conflictId: string
  constructor(conflictId: string) {
    super(`Merge conflict not found: ${conflictId}`, 'MERGE_CONFLICT_NOT_FOUND')
    this.conflictId = conflictId
  }
}

export class MergeConflictAlreadyResolvedError extends KeepsakeError {
  constructor(conflictId: string, status: string) {
    super(`Merge conflict ${conflictId} is already ${status}`, 'MERGE_CONFLICT_ALREADY_RESOLVED')
  }
}

export class MergeConflictInvalidQuestionsError extends KeepsakeError {
  readonly invalidQuestions: string[]
  constructor(invalidQuestions: string[]) {
    super(`Not questions of this conflict: ${invalidQuestions.join(' | ')}`, 'MERGE_CONFLICT_INVALID_QUESTIONS')
    this.invalidQuestions = invalidQuestions
  }
}

export class MergeConflictMissingAnswersError extends KeepsakeError {
  readonly missingQuestions: string[]
  constructor(missingQuestions: string[]) {
    super(`Unanswered questions: ${missingQuestions.join(' | ')}`, 'MERGE_CONFLICT_MISSING_ANSWERS')
    this.missingQuestions = missingQuestions
  }
}

export class MergeConflictInvalidAnswerError extends KeepsakeError {
  readonly question: string
  readonly answer: string
  constructor(question: string, answer: string, options: string[]) {
    super(
      `"${answer}" is not an option of "${question}" (options: ${options.join(', ')})`,
      'MERGE_CONFLICT_INVALID_ANSWER',
    )
    this.question = question
    this.answer = answer
  }
}

export class SyncError extends KeepsakeError {
  constructor(message: string) {
    super(message, 'SYNC_ERROR')
  }
}

export class EngineError extends KeepsakeError {
  /** Machine-readable reason, e.g. 'NO_WEBGPU', 'MODEL_NOT_CACHED_OFFLINE', 'DOWNLOAD_FAILED', 'INVALID_OUTPUT'. */
  readonly reason: string
  constructor(message: string, reason = 'ENGINE_FAILED') {
    super(message, 'ENGINE_ERROR')
    this.reason = reason
  }
}

/** A write was refused by the browser because the storage quota is used up. Nothing was written. */
export class QuotaExceededError extends KeepsakeError {
  constructor(message = 'The browser refused to store more data: storage quota exceeded. Free space or delete data, then try again.') {
    super(message, 'QUOTA_EXCEEDED')
  }
}

/** A backup/import file was rejected; nothing was changed. */
export class ImportError extends KeepsakeError {
  readonly path: string
  constructor(message: string, path = '') {
    super(path ? `${path}: ${message}` : message, 'IMPORT_ERROR')
    this.path = path
  }
}
