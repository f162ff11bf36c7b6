import { RulesEngine } from '../../src/engine/rules/RulesEngine'
import { runEngineAcceptanceSuite } from '../engine-acceptance'

runEngineAcceptanceSuite('rules', () => new RulesEngine())

runEngineAcceptanceSuite('rules (custom categories)', () => new RulesEngine(), {
  categories: [
    { name: 'travel', description: 'Trips, places visited and travel plans' },
    { name: 'pets', description: 'Animals the user owns' },
    { name: 'diet', description: 'What the user eats and does not eat' },
  ],
})
