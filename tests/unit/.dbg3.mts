import { extractEventDate } from '../../src/engine/rules/dates'
import { conjugatePredicate } from '../../src/engine/rules/grammar'
const r = extractEventDate('I was in the hospital last week for my appendix', new Date('2025-09-22T10:00:00Z'))
console.log(r)
console.log(conjugatePredicate('was in the hospital for my appendix'))
