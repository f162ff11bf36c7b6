import { extractFacts } from '../../src/engine/rules/extract'
import { RULES_CORPUS } from './fixtures/rulesCorpus'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
const only = process.argv[2]
for (const c of RULES_CORPUS) {
  if (only && !c.id.startsWith(only)) continue
  const facts = extractFacts({ messages: c.messages, sessionCreatedAt: new Date(c.sessionDate), user: { name: '', about: '' }, categories: c.categories ?? DEFAULT_CATEGORIES })
  console.log(`\n== ${c.id}`)
  for (const e of c.expected) console.log(`   exp: ${e.content} [${e.categories}] ${e.eventDateStart ?? ''}${e.eventDateEnd ? '..' + e.eventDateEnd : ''}`)
  for (const f of facts) console.log(`   got: ${f.content} [${f.categories}] ${f.eventDateStart?.toISOString().slice(0,10) ?? ''}${f.eventDateEnd ? '..' + f.eventDateEnd.toISOString().slice(0,10) : ''} src=${f.sources}`)
}
