import { splitSentences, splitClauses, cleanMessage } from '../../src/engine/rules/text'
import { clauseToFacts } from '../../src/engine/rules/clause'
import { newEntityMemory } from '../../src/engine/rules/patterns'
const t = process.argv[2]
const st = { ref: new Date('2025-09-22T10:00:00Z'), entities: newEntityMemory() }
for (const s of splitSentences(cleanMessage(t))) for (const c of splitClauses(s, new Set())) console.log(JSON.stringify(c), clauseToFacts(c, st))
