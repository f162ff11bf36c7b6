/**
 * TEST DOUBLE for workers/engine.worker.ts: the same comlink API (EngineWorkerApi), but the "model"
 * is scripted. Loading it reports a download that holds at 45% for a moment, and chat streams a
 * canned reply word by word, slowly enough to be watched and stopped. Memories still come from the
 * real rules engine. The e2e tests serve this file in place of the bundled engine worker
 * (page.route), so the app under test is the production build, unchanged.
 */
import { prebuiltAppConfig } from '@mlc-ai/web-llm'
import * as Comlink from 'comlink'
import { describeModels, type ModelRecordLike } from '../../../src/engine/webllm/models'
import { RulesEngine } from '../../../src/engine/rules/RulesEngine'
import type { ChatSink, EngineWorkerApi, WireChatInput, WorkerInitOptions, WorkerInitResult } from '../../../src/engine/webllm/protocol'
import type { LoadProgress } from '../../../src/engine/webllm/progress'

export const HOLD_AT_PERCENT = 45
const HOLD_MS = 2500
const STEP_MS = 120
const TOKEN_MS = 140
const MODEL_BYTES = 1_000_000_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const rules = new RulesEngine()
const streams = new Map<number, { aborted: boolean }>()
let cancelled = false

function wireError(message: string, reason: string) {
  return { __keepsakeWireError: true, name: 'EngineError', message, props: { code: 'ENGINE_ERROR', reason } }
}

/** The reply: echoes the question and says how much memory context it was given, then goes on a while. */
function replyTo(input: WireChatInput): string[] {
  const question = [...input.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
  const text =
    `You asked: “${question}”. I was given ${input.context.length} characters of memory context. ` +
    'Here is a longer answer that keeps going for a while, one word at a time, so that you can watch it arrive and stop it whenever you like; ' +
    'it ends with this sentence.'
  return text.split(/(?<= )/)
}

const api: EngineWorkerApi = {
  ping: () => 'pong',

  async init(options: WorkerInitOptions, onProgress?: (p: LoadProgress) => void): Promise<WorkerInitResult> {
    if (options.kind === 'rules') {
      return { kind: 'rules', engineId: 'rules', modelId: null, requestedModelId: null, embeddingModelId: null, capabilities: { chat: false, embed: false }, probe: null, wasCached: null }
    }
    cancelled = false
    const modelId = options.modelId ?? 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC'
    const started = Date.now()
    const report = (phase: LoadProgress['phase'], percent: number) =>
      onProgress?.({
        modelId,
        phase,
        progress: percent / 100,
        percent,
        loadedBytes: phase === 'downloading' ? (MODEL_BYTES * percent) / 100 : undefined,
        totalBytes: phase === 'downloading' ? MODEL_BYTES : undefined,
        text: `${phase} ${percent}%`,
        timeElapsed: (Date.now() - started) / 1000,
      })
    const steps: [LoadProgress['phase'], number, number][] = [
      ['checking', 0, STEP_MS],
      ['downloading', 10, STEP_MS],
      ['downloading', 25, STEP_MS],
      ['downloading', HOLD_AT_PERCENT, HOLD_MS],
      ['downloading', 80, STEP_MS],
      ['downloading', 100, STEP_MS],
      ['loading', 50, STEP_MS],
      ['ready', 100, 0],
    ]
    for (const [phase, percent, wait] of steps) {
      if (cancelled) throw wireError(`Loading the AI model "${modelId}" was cancelled.`, 'CANCELLED')
      report(phase, percent)
      await sleep(wait)
    }
    return { kind: 'webllm', engineId: 'webllm', modelId, requestedModelId: modelId, embeddingModelId: null, capabilities: { chat: true, embed: false }, probe: null, wasCached: false }
  },

  cancelInit() {
    cancelled = true
  },

  extract: (input) => rules.extract(input),
  decide: (input) => rules.decide(input),
  clarify: (input) => rules.clarify(input),
  resolve: (input) => rules.resolve(input),

  async chat(streamId: number, input: WireChatInput, sink: ChatSink) {
    const stream = { aborted: false }
    streams.set(streamId, stream)
    for (const token of replyTo(input)) {
      if (stream.aborted) break
      void sink.push(token)
      await sleep(TOKEN_MS)
    }
    await sink.end(null)
    streams.delete(streamId)
  },

  abortChat(streamId: number) {
    const s = streams.get(streamId)
    if (s) s.aborted = true
  },

  async embed() {
    throw wireError('No embedding model in the scripted worker.', 'NOT_SUPPORTED')
  },
  async probeWebGPU() {
    throw wireError('Not scripted.', 'NOT_SUPPORTED')
  },
  // the real list (web-llm's own records, as the real worker lists them): the manager shows real models
  listModels: async (options) => describeModels(prebuiltAppConfig.model_list as ModelRecordLike[], options),
  isModelCached: async () => false,
  deleteCachedModel: async () => undefined,
  unload: async () => undefined,
}

Comlink.expose(api)
