import { decideFact } from '../../src/engine/rules/decide'
import { RULES_CORPUS } from './fixtures/rulesCorpus'
let ok = 0, n = 0
for (const c of RULES_CORPUS) {
  if (!c.existing) continue
  const cands = c.existing.map(e => ({ ...e, createdAt: new Date('2025-01-01') }))
  for (const e of c.expected) {
    if (!e.decision) continue
    n++
    const d = decideFact({ content: e.content, categories: e.categories, eventDateStart: e.eventDateStart ? new Date(e.eventDateStart) : undefined }, cands)
    const ids = 'memoryIds' in d ? d.memoryIds : 'memoryId' in d ? [d.memoryId] : []
    const good = d.kind === e.decision.kind && (!e.decision.memoryIds || JSON.stringify([...ids].sort()) === JSON.stringify([...e.decision.memoryIds].sort()))
    if (good) ok++
    console.log(good ? 'OK ' : 'BAD', c.id, '|', e.content, '=>', JSON.stringify(d), good ? '' : ' expected ' + JSON.stringify(e.decision))
  }
}
console.log(ok, '/', n)
