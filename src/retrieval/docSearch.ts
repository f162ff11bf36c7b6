import MiniSearch from 'minisearch'
import type { DocRecord } from '../core/types'
import { termOf, tokenize } from './text'

/**
 * Lexical search over a user's documents: BM25 over title and content with the index's analysis
 * (stop words, Porter stems), prefix matching of the last word typed and light fuzziness. Documents
 * are few per user, so the index is built per query.
 */
export function searchDocs(docs: DocRecord[], query: string, limit: number): { record: DocRecord; score: number }[] {
  if (!docs.length) return []
  const index = new MiniSearch<DocRecord>({
    idField: 'docId',
    fields: ['title', 'content'],
    tokenize: (text) => tokenize(text),
    processTerm: (term) => termOf(term),
    searchOptions: { boost: { title: 2 }, prefix: (_term, i, terms) => i === terms.length - 1, fuzzy: (term) => (term.length > 4 ? 0.15 : false) },
  })
  index.addAll(docs)
  const byId = new Map(docs.map((d) => [d.docId, d]))
  return index
    .search(query)
    .slice(0, limit)
    .map((h) => ({ record: byId.get(h.id as string)!, score: h.score }))
}
