import { extractFacts } from '../../src/engine/rules/extract'
import { decideFact } from '../../src/engine/rules/decide'
import { RULES_CORPUS } from './fixtures/rulesCorpus'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
const run = () => { for (const c of RULES_CORPUS) extractFacts({ messages: c.messages, sessionCreatedAt: new Date(c.sessionDate), user: { name: '', about: '' }, categories: c.categories ?? DEFAULT_CATEGORIES }) }
for (let i = 0; i < 5; i++) { const t = performance.now(); run(); console.log('corpus run', (performance.now() - t).toFixed(1), 'ms') }
// 20-turn conversation
const msgs = [] as { role: 'user' | 'assistant'; content: string }[]
for (let i = 0; i < 10; i++) { msgs.push({ role: 'user', content: RULES_CORPUS[i].messages.filter(m=>m.role==='user').map(m => m.content).join(' ') }); msgs.push({ role: 'assistant', content: 'That sounds great! Tell me more about it, I love hearing about your life.' }) }
for (let i = 0; i < 5; i++) { const t = performance.now(); const f = extractFacts({ messages: msgs, sessionCreatedAt: new Date('2025-01-08T10:00:00Z'), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES }); console.log('20 turns', (performance.now() - t).toFixed(2), 'ms', f.length, 'facts') }
const big = 'I like cheese. '.repeat(1400)
let t = performance.now(); extractFacts({ messages: [{ role: 'user', content: big }], sessionCreatedAt: new Date(), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES }); console.log('20k', (performance.now() - t).toFixed(1))
const big2 = 'a'.repeat(20000)
t = performance.now(); extractFacts({ messages: [{ role: 'user', content: big2 }], sessionCreatedAt: new Date(), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES }); console.log('20k a', (performance.now() - t).toFixed(1))
const big3 = 'I live in paris and '.repeat(1000)
t = performance.now(); extractFacts({ messages: [{ role: 'user', content: big3 }], sessionCreatedAt: new Date(), user: { name: '', about: '' }, categories: DEFAULT_CATEGORIES }); console.log('20k and', (performance.now() - t).toFixed(1))
const cands = Array.from({ length: 50 }, (_, i) => ({ memoryId: 'm' + i, content: RULES_CORPUS[i].expected[0]?.content ?? 'User x', categories: [], createdAt: new Date() }))
t = performance.now(); for (let i = 0; i < 100; i++) decideFact({ content: 'User lives in Berlin now', categories: [] }, cands); console.log('decide x100 vs 50 cands', (performance.now() - t).toFixed(1))
