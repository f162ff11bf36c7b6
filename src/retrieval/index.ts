/** The retrieval layer: search index over memories, messages and documents, and getContext. */
export { SearchIndex, DEFAULT_TUNING, type IndexEntry, type SearchHit, type SearchKind, type SearchQuery, type SearchTuning, type DateRange } from './SearchIndex'
export { UserIndex, userIndex, dropUserIndex, type RetrievalContext, type UserSnapshot } from './UserIndex'
export { retrieve, retrieveFrom, type Retrieval, type RetrievedItem, type RetrieveOptions } from './retrieve'
export { getContext, getContextDetails, select, validateContextOptions, CONTEXT_DEFAULTS, type GetContextOptions, type SessionContext, type ContextDetails } from './getContext'
export { renderContext, CONTEXT_INSTRUCTIONS, type ContextData, type RenderOptions } from './render'
export { parseDateRange } from './dates'
export { analyze, stem, tokenize, STOP_WORDS } from './text'
export { searchDocs } from './docSearch'
