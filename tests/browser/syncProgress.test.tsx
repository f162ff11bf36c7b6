import { act } from 'react'
import { afterEach, expect, test } from 'vitest'
import { reactHost } from './reactHost'
import { FirstRun } from '../../src/app/components/FirstRun'
import { receivedPercent, SyncPill } from '../../src/app/components/SyncPill'
import { useSyncStore } from '../../src/app/stores/syncStore'
import type { SyncStatus } from '../../src/index'
import { page } from 'vitest/browser'

/** The app's stylesheets, as src/app/main.tsx loads them. */
const STYLES = ['tokens', 'base', 'layout', 'controls', 'components', 'chat', 'drawer', 'memories', 'conflicts', 'settings', 'assistant', 'models', 'data', 'sync', 'boundary'].map((n) => `../../src/app/styles/${n}.css`)

// While a device fills in its history (a new device, or one back from long away), the sync pill and
// the welcome card say how much has arrived: SyncStatus.progress, documents in step of those to hold.

const initial = useSyncStore.getState()

afterEach(() => {
  useSyncStore.setState({ status: initial.status, config: initial.config })
})

// (registered after the hooks above, so that it unmounts before they run: hooks run in reverse)
const dom = reactHost()

const syncing = (synced: number, total: number): SyncStatus => ({ state: 'syncing', pendingChanges: 0, progress: { synced, total } })

test('the percent is shown while more than one document is on its way, and not for ordinary syncing', () => {
  expect(receivedPercent(syncing(4, 10))).toBe(40)
  expect(receivedPercent(syncing(0, 3))).toBe(0)
  expect(receivedPercent(syncing(9, 10))).toBeNull() // one document: an ordinary sync step
  expect(receivedPercent(syncing(1, 1))).toBeNull()
  expect(receivedPercent({ state: 'syncing', pendingChanges: 2 })).toBeNull()
})

test('the sync pill says how much of the history has arrived', () => {
  act(() => dom.root.render(<SyncPill />))
  act(() => useSyncStore.setState({ status: syncing(4, 10) }))
  const pill = dom.host.querySelector('button')!
  expect(pill.getAttribute('aria-label')).toBe('Sync: Receiving 40%')
  expect(pill.title).toMatch(/4 of 10 parts are here/)
  act(() => useSyncStore.setState({ status: syncing(10, 10) }))
  expect(pill.getAttribute('aria-label')).toBe('Sync: Syncing…')
})

test('the welcome card of a device that joined shows the figure on its progress bar', () => {
  act(() => useSyncStore.setState({ config: { url: 'ws://127.0.0.1:1', spaceId: 'a'.repeat(22), secret: 'b'.repeat(43) }, status: syncing(3, 12) }))
  act(() => dom.root.render(<FirstRun />))
  const status = dom.host.querySelector('.join-status')!
  expect(status.textContent).toContain('Receiving your data from your other devices… 25%')
  const bar = status.querySelector('progress')!
  expect(bar.value).toBe(3)
  expect(bar.max).toBe(12)
  // before the directory is known there is no figure: the bar is indeterminate
  act(() => useSyncStore.setState({ status: syncing(0, 1) }))
  expect(dom.host.querySelector('.join-status')!.textContent).toBe('Receiving your data from your other devices…')
  expect(dom.host.querySelector('.join-status progress')!.hasAttribute('value')).toBe(false)
})

test('screenshots of the welcome card while a new device receives its history, at desktop and phone widths', async () => {
  await Promise.all(STYLES.map((s) => import(/* @vite-ignore */ s)))
  act(() => useSyncStore.setState({ config: { url: 'ws://127.0.0.1:1', spaceId: 'a'.repeat(22), secret: 'b'.repeat(43) }, status: syncing(7, 19) }))
  act(() => dom.root.render(<FirstRun />))
  expect(dom.host.querySelector('.join-status')!.textContent).toContain('36%')
  for (const [w, h] of [
    [1280, 800],
    [390, 844],
  ]) {
    await page.viewport(w, h)
    await page.screenshot({ path: `../e2e/__screenshots__/join-receiving-${w}x${h}.png` })
  }
})
