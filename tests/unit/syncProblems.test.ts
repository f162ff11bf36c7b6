import { describe, expect, test } from 'vitest'
import { explainSync } from '../../src/app/lib/syncConfig'
import { STORAGE_FULL } from '../../src/sync/SyncProvider'

describe('what the app says when sync stops', () => {
  test("a full device is this device's problem: no 'the server said'", () => {
    const p = explainSync({ state: 'error', pendingChanges: 0, error: STORAGE_FULL }, false)
    expect(p?.title).toBe('This device is out of storage')
    expect(p?.text).toMatch(/Free some space/)
    expect(p?.text).not.toMatch(/server said/)
    expect(p?.retry).toBe(true)
  })

  test("a server's refusal is named and quoted", () => {
    const p = explainSync({ state: 'error', pendingChanges: 0, error: 'wrong-token: the token does not match this space' }, false)
    expect(p?.title).toBe('The server refused this space’s key')
    expect(p?.text).toContain('The server said: “wrong-token: the token does not match this space”.')
  })

  test('the open-registration refusals each say what to do, and only the rate limit offers a retry', () => {
    const say = (error: string) => explainSync({ state: 'error', pendingChanges: 0, error }, false)
    const unproven = say('unproven-space: space x is not registered here and its id is not derived from the token presented')
    expect(unproven?.title).toBe('The server can’t tell this space is yours')
    expect(unproven?.text).toMatch(/start syncing again/)
    expect(unproven?.text).toMatch(/--register-link/)
    expect(unproven?.retry).toBe(false)
    const full = say('too-many-spaces: this server already registered 1000 new spaces')
    expect(full?.title).toBe('The server is full')
    expect(full?.retry).toBe(false)
    const slow = say("registration-rate-limited: 10 new spaces a minute from this address is this server's limit; try again in 42 s")
    expect(slow?.title).toBe('Too many new spaces at once')
    expect(slow?.text).toContain('try again in 42 s')
    expect(slow?.retry).toBe(true)
  })
})
