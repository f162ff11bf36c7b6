import { expect, test } from 'vitest'
import { openClient } from './helpers'

test('create a user and a message', async () => {
  const c = await openClient()
  const u = await c.createUser('alice', { name: 'Alice' })
  const s = await u.createSession()
  await s.addMessage('user', 'hello')
  const got = await s.getMessages()
  expect(got.messages.map((m) => m.content)).toEqual(['hello'])
  expect((await c.getUser('alice')).name).toBe('Alice')
  c.close()
})
