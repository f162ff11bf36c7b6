import { afterEach, describe, expect, test } from 'vitest'
import { EngineError, InvalidSessionStateError, MemoryClient } from '../../src/index'
import { ScriptedEngine } from '../testDoubles'
import { freshDbName } from './helpers'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function setup(engine = new ScriptedEngine()) {
  const c = await MemoryClient.open({ dbName: freshDbName('reply'), engine, autoProcess: false })
  open.push(c)
  const u = await c.createUser('alice', { name: 'Alice' })
  return { c, u, engine }
}

describe('chat replies', () => {
  test('a scripted engine’s reply streams token by token and ends up stored, with the memory context in its prompt', async () => {
    const { u, engine } = await setup()
    const earlier = await u.createSession()
    await earlier.addMessage('user', 'User lives in Lisbon')
    await earlier.process()
    engine.chatTokens = ['You ', 'live ', 'in ', 'Lisbon.']
    const s = await u.createSession()
    await s.addMessage('user', 'Where do I live?')
    const seen: string[] = []
    for await (const t of s.streamReply()) seen.push(t)
    expect(seen).toEqual(['You ', 'live ', 'in ', 'Lisbon.'])
    const { messages } = await s.getMessages()
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Where do I live?'],
      ['assistant', 'You live in Lisbon.'],
    ])
    const call = engine.calls.find((x) => x.method === 'chat')!.input as { context: string; messages: { role: string; content: string }[] }
    expect(call.context).toContain('User lives in Lisbon')
    expect(call.messages).toEqual([{ role: 'user', content: 'Where do I live?' }])
  })

  test('a stopped reply keeps what was generated, and nothing after the stop', async () => {
    const { u, engine } = await setup()
    engine.chatTokens = ['one ', 'two ', 'three ', 'four ', 'five']
    engine.chatDelayMs = 20
    const s = await u.createSession()
    await s.addMessage('user', 'Count for me')
    const stop = new AbortController()
    const seen: string[] = []
    for await (const t of s.streamReply({ signal: stop.signal })) {
      seen.push(t)
      if (seen.length === 2) stop.abort()
    }
    expect(seen).toEqual(['one ', 'two '])
    const { messages } = await s.getMessages()
    expect(messages.map((m) => m.content)).toEqual(['Count for me', 'one two '])
  })

  test('an engine without chat says why, and a processed session takes no reply', async () => {
    const { c, u } = await setup()
    const rulesOnly = await MemoryClient.open({ dbName: internals(c).db.name, autoProcess: false })
    open.push(rulesOnly)
    expect(rulesOnly.chatAvailability()).toMatchObject({ available: false, engineId: 'rules' })
    expect(rulesOnly.chatAvailability().reason).toMatch(/memories still come from the built-in rules engine/)
    const s = await (await rulesOnly.getUser('alice')).createSession()
    await s.addMessage('user', 'hello')
    await expect(async () => {
      for await (const _ of s.streamReply()) void _
    }).rejects.toSatisfy((e: unknown) => e instanceof EngineError && e.reason === 'NO_CHAT')
    expect((await s.getMessages()).total).toBe(1)
    expect(c.chatAvailability().available).toBe(true)
    const processed = await u.createSession()
    await processed.addMessage('user', 'User likes tea')
    await processed.process()
    await expect(async () => {
      for await (const _ of processed.streamReply()) void _
    }).rejects.toBeInstanceOf(InvalidSessionStateError)
  })
})
