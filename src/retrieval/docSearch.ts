import MiniSearch from 'minisearch'
import type { DocRecord } from '../core/types'

/**
 * Plain lexical search over a user's documents (BM25 with prefix and light fuzziness). Documents
 * are few per user, so the index is built per query.
 */
export function searchDocs(docs: DocRecord[], query: string, limit: number): { record: DocRecord; score: number }[] {
  if (!docs.length) return []
  const index = new MiniSearch<DocRecord>({
    idField: 'docId',
    fields: ['title', 'content'],
    searchOptions: { boost: { title: 2 }, prefix: true, fuzzy: 0.15 },
  })
  index.addAll(docs)
  const byId = new Map(docs.map((d) => [d.docId, d]))
  return index
    .search(query)
    .slice(0, limit)
    .map((h) => ({ record: byId.get(h.id as string)!, score: h.score }))
}
