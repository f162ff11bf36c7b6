import { extractFacts } from '../../src/engine/rules/extract'
import { RULES_CORPUS } from './fixtures/rulesCorpus'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
const run = () => { for (const c of RULES_CORPUS) extractFacts({ messages: c.messages, sessionCreatedAt: new Date(c.sessionDate), user: { name: '', about: '' }, categories: c.categories ?? DEFAULT_CATEGORIES }) }
for (let i = 0; i < 200; i++) run()
const t = performance.now(); for (let i = 0; i < 20; i++) run(); console.log('per corpus run', ((performance.now() - t)/20).toFixed(2))
