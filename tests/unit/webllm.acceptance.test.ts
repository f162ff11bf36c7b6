/**
 * The shared engine acceptance suite run on the WebLLM engine's logic, with a FAKE model (test
 * double) that answers every request with the simplest JSON its schema allows. This checks that
 * whatever a schema-following model says, the engine hands the pipeline values that keep the
 * MemoryEngine contract (ids are candidates', indexes are messages', categories are the space's).
 */
import { runEngineAcceptanceSuite } from '../engine-acceptance'
import type { JsonSchema } from '../../src/engine/webllm/schemas'
import { WebLLMEngine, type CompletionRequest } from '../../src/engine/webllm/WebLLMEngine'

/** Builds the minimal instance of a schema: one item per array when allowed, first enum value, distinct strings. */
function minimalInstance(schema: JsonSchema, counter: { n: number }): unknown {
  if ('anyOf' in schema) return minimalInstance(schema.anyOf[0], counter)
  switch (schema.type) {
    case 'null':
      return null
    case 'boolean':
      return false
    case 'string':
      return schema.enum ? schema.enum[0] : `answer ${++counter.n}`
    case 'integer':
      return schema.enum ? schema.enum[0] : 1
    case 'array': {
      const n = schema.maxItems === 0 ? 0 : Math.max(schema.minItems ?? 0, 1)
      return Array.from({ length: n }, () => minimalInstance(schema.items, counter))
    }
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, minimalInstance(v, counter)]))
  }
}

const schemaFollowingFakeModel = async (r: CompletionRequest): Promise<string> =>
  JSON.stringify(minimalInstance(r.schema, { n: 0 }))

runEngineAcceptanceSuite('webllm logic (schema-following fake model)', () =>
  new WebLLMEngine({ modelId: 'fake-q4f32_1-MLC', complete: schemaFollowingFakeModel }),
)
