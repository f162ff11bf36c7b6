/**
 * The engine worker: hosts one MemoryEngine (the rules engine, or the WebLLM engine running
 * web-llm's MLCEngine on WebGPU) and exposes it over comlink as `EngineWorkerApi`
 * (src/engine/webllm/workerApi.ts).
 *
 * Created by src/engine/WorkerEngine.ts with
 *   new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module' })
 * so that Vite bundles it. The engines are imported dynamically: a worker hosting the rules engine
 * never loads web-llm.
 */
import * as Comlink from 'comlink'
import { createEngineWorkerApi } from '../src/engine/webllm/workerApi'

Comlink.expose(createEngineWorkerApi())
