/**
 * The rules engine: a deterministic MemoryEngine with no model. It extracts plain first-person
 * statements from the user's messages, resolves their dates with chrono-node, and decides
 * against existing memories by lexical similarity and slot patterns. It has no chat and no
 * embeddings. It never throws on odd input; it returns [] or INSERT instead.
 */
import type { ClarifyingQuestion, Decision, ExtractedFact, ResolvedMemory } from '../../core/types'
import type { ClarifyInput, DecideInput, ExtractInput, MemoryEngine, ResolveInput } from '../types'
import { clarifyConflict, resolveConflict } from './conflicts'
import { decideFact } from './decide'
import { extractFacts } from './extract'

export const RULES_ENGINE_ID = 'rules'

export class RulesEngine implements MemoryEngine {
  readonly id = RULES_ENGINE_ID

  async extract(input: ExtractInput): Promise<ExtractedFact[]> {
    try {
      return extractFacts(input)
    } catch {
      return []
    }
  }

  async decide(input: DecideInput): Promise<Decision> {
    try {
      return decideFact(input?.fact, input?.candidates)
    } catch {
      return { kind: 'INSERT' }
    }
  }

  async clarify(input: ClarifyInput): Promise<ClarifyingQuestion[]> {
    try {
      return clarifyConflict(input?.fact, input?.conflicting)
    } catch {
      return [{ question: 'Which is right?', options: ['The new information is right', 'The earlier information is right'] }]
    }
  }

  async resolve(input: ResolveInput): Promise<ResolvedMemory[]> {
    try {
      return resolveConflict(input?.fact, input?.conflicting, input?.answers)
    } catch {
      return []
    }
  }
}
