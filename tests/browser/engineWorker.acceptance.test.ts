/**
 * The shared engine acceptance suite over the worker transport: every call of the suite goes
 * from this page through comlink to workers/engine.worker.ts, which hosts the rules engine.
 */
import { afterAll } from 'vitest'
import { WorkerEngine } from '../../src/engine/WorkerEngine'
import { runEngineAcceptanceSuite } from '../engine-acceptance'

const created: WorkerEngine[] = []
afterAll(async () => {
  for (const e of created) await e.dispose()
})

runEngineAcceptanceSuite('worker transport (rules)', async () => {
  const engine = await WorkerEngine.create({ kind: 'rules' })
  created.push(engine)
  return engine
})
