/**
 * The comlink transport of WorkerEngine in detail, over a real MessageChannel (structured clone,
 * comlink proxies) but in one thread: the worker-side API (createEngineWorkerApi) hosts a scripted
 * test double with a chat stream, which the rules engine does not have. Covers the chat stream
 * (order, end, abort -> the worker's engine sees the signal, break out of the loop), error
 * classes and reasons, and Dates crossing the boundary.
 */
import * as Comlink from 'comlink'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { EngineError, ValidationError } from '../../src/core/errors'
import type { ChatInput, ExtractInput } from '../../src/engine/types'
import { WorkerEngine } from '../../src/engine/WorkerEngine'
import { createEngineWorkerApi } from '../../src/engine/webllm/workerApi'
import { ScriptedEngine } from '../testDoubles'

const engines: WorkerEngine[] = []
afterEach(async () => {
  while (engines.length) await engines.pop()!.dispose()
})

let lastPort: MessagePort | null = null

/** A WorkerEngine whose "worker" is one end of a MessageChannel; the other end hosts `scripted`. */
async function overChannel(scripted: ScriptedEngine): Promise<WorkerEngine> {
  const { port1, port2 } = new MessageChannel()
  Comlink.expose(createEngineWorkerApi({ createRulesEngine: () => scripted }), port2)
  const engine = await WorkerEngine.create({ kind: 'rules', worker: port1 as unknown as Worker })
  lastPort = port1
  engines.push(engine)
  return engine
}

async function collect(it: AsyncIterable<string>, onToken?: (t: string, n: number) => void): Promise<string[]> {
  const out: string[] = []
  for await (const t of it) {
    out.push(t)
    onToken?.(t, out.length)
  }
  return out
}

describe('WorkerEngine over a MessageChannel (scripted engine)', () => {
  test('chat streams every token in order, then ends', async () => {
    const scripted = new ScriptedEngine()
    scripted.chatTokens = Array.from({ length: 200 }, (_, i) => `t${i} `)
    const engine = await overChannel(scripted)
    expect(engine.id).toBe('scripted')
    expect(engine.status.capabilities).toEqual({ chat: true, embed: false })
    expect(engine.embed).toBeUndefined()
    const tokens = await collect(engine.chat!({ messages: [{ role: 'user', content: 'hi' }], context: 'ctx' }))
    expect(tokens).toEqual(scripted.chatTokens)
    // the input arrived without the (uncloneable) signal, context intact
    const sent = scripted.calls.find((c) => c.method === 'chat')!.input as ChatInput
    expect(sent.context).toBe('ctx')
    expect(sent.messages).toEqual([{ role: 'user', content: 'hi' }])
  })

  test('aborting the signal stops the stream on the worker side and ends the iteration quietly', async () => {
    const scripted = new ScriptedEngine()
    scripted.chatTokens = Array.from({ length: 1000 }, (_, i) => `t${i}`)
    scripted.chatDelayMs = 2
    const engine = await overChannel(scripted)
    const ctl = new AbortController()
    const tokens = await collect(engine.chat!({ messages: [{ role: 'user', content: 'go' }], context: '', signal: ctl.signal }), (_, n) => {
      if (n === 5) ctl.abort()
    })
    expect(tokens.length).toBeGreaterThanOrEqual(5)
    expect(tokens.length).toBeLessThan(50)
    const workerSignal = (scripted.calls.find((c) => c.method === 'chat')!.input as ChatInput).signal
    await vi.waitFor(() => expect(workerSignal?.aborted).toBe(true), { timeout: 1000 })
  })

  test('breaking out of the for-await also stops the worker side', async () => {
    const scripted = new ScriptedEngine()
    scripted.chatTokens = Array.from({ length: 1000 }, (_, i) => `t${i}`)
    scripted.chatDelayMs = 2
    const engine = await overChannel(scripted)
    let n = 0
    for await (const _ of engine.chat!({ messages: [{ role: 'user', content: 'go' }], context: '' })) {
      if (++n === 3) break
    }
    const workerSignal = (scripted.calls.find((c) => c.method === 'chat')!.input as ChatInput).signal
    await vi.waitFor(() => expect(workerSignal?.aborted).toBe(true), { timeout: 1000 })
  })

  test('an already aborted signal yields nothing', async () => {
    const scripted = new ScriptedEngine()
    scripted.chatTokens = ['a', 'b']
    const engine = await overChannel(scripted)
    expect(await collect(engine.chat!({ messages: [{ role: 'user', content: 'x' }], context: '', signal: AbortSignal.abort() }))).toEqual([])
  })

  test('an error in the worker-side stream reaches the iterator with its class', async () => {
    const scripted = new ScriptedEngine()
    scripted.chat = async function* () {
      yield 'partial'
      throw new EngineError('The GPU stopped responding.', 'GPU_OUT_OF_MEMORY')
    }
    const engine = await overChannel(scripted)
    const got: string[] = []
    const err = await (async () => {
      for await (const t of engine.chat!({ messages: [{ role: 'user', content: 'x' }], context: '' })) got.push(t)
    })().catch((e: unknown) => e)
    expect(got).toEqual(['partial'])
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).reason).toBe('GPU_OUT_OF_MEMORY')
  })

  test('Dates cross the boundary both ways; errors keep class, reason and fields', async () => {
    const scripted = new ScriptedEngine({
      extractFn: (i) => [
        { content: `${i.user.name} moved to Berlin.`, categories: ['location'], eventDateStart: new Date(i.sessionCreatedAt.getTime() - 2 * 86_400_000), sources: [0] },
      ],
      decideFn: () => {
        throw new ValidationError('fact.content must not be empty', 'fact.content')
      },
      clarifyFn: () => {
        throw new EngineError('The local AI model gave an answer Keepsake could not use.', 'INVALID_OUTPUT')
      },
    })
    const engine = await overChannel(scripted)
    const input: ExtractInput = {
      messages: [{ role: 'user', content: 'I moved to Berlin', timestamp: new Date('2025-01-08T10:00:00Z') }],
      sessionCreatedAt: new Date('2025-01-08T10:00:00Z'),
      user: { name: 'Alice', about: '' },
      categories: [{ name: 'location', description: 'where' }],
    }
    const facts = await engine.extract(input)
    expect(facts[0].eventDateStart).toBeInstanceOf(Date)
    expect(facts[0].eventDateStart!.toISOString()).toBe('2025-01-06T10:00:00.000Z')
    const seen = scripted.calls[0].input as ExtractInput
    expect(seen.sessionCreatedAt).toBeInstanceOf(Date)
    expect(seen.messages[0].timestamp).toBeInstanceOf(Date)

    const decideErr = await engine.decide({ fact: { content: '', categories: [] }, candidates: [] }).catch((e: unknown) => e)
    expect(decideErr).toBeInstanceOf(ValidationError)
    expect((decideErr as ValidationError).field).toBe('fact.content')

    const clarifyErr = await engine.clarify({ fact: { content: 'x', categories: [] }, conflicting: [] }).catch((e: unknown) => e)
    expect(clarifyErr).toBeInstanceOf(EngineError)
    expect((clarifyErr as EngineError).reason).toBe('INVALID_OUTPUT')
  })

  test('when the worker dies, an open stream and later calls fail with WORKER_FAILED', async () => {
    const scripted = new ScriptedEngine()
    scripted.chatTokens = Array.from({ length: 1000 }, (_, i) => `t${i}`)
    scripted.chatDelayMs = 2
    const engine = await overChannel(scripted)
    const got: string[] = []
    const err = await (async () => {
      for await (const t of engine.chat!({ messages: [{ role: 'user', content: 'x' }], context: '' })) {
        got.push(t)
        if (got.length === 3) lastPort!.dispatchEvent(new ErrorEvent('error', { message: 'worker crashed' }))
      }
    })().catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('WORKER_FAILED')
    expect((err as EngineError).message).toContain('worker crashed')
    expect(engine.status.state).toBe('failed')
    const later = await engine.decide({ fact: { content: 'x', categories: [] }, candidates: [] }).catch((e: unknown) => e)
    expect((later as EngineError).reason).toBe('WORKER_FAILED')
  })

  test('after dispose, calls fail with EngineError DISPOSED', async () => {
    const engine = await overChannel(new ScriptedEngine())
    await engine.dispose()
    expect(engine.status.state).toBe('disposed')
    const err = await engine.extract({ messages: [], sessionCreatedAt: new Date(), user: { name: '', about: '' }, categories: [] }).catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('DISPOSED')
  })
})
