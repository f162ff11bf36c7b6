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
})
