import { act } from 'react'
import { afterEach, expect, test } from 'vitest'
import { reactHost } from './reactHost'
import { SyncPill } from '../../src/app/components/SyncPill'
import { UnreadableRecords } from '../../src/app/components/UnreadableRecords'
import { useSyncStore, type UnreadableRecord } from '../../src/app/stores/syncStore'

afterEach(() => {
  useSyncStore.setState({ unreadable: [] })
})

// (registered after the hooks above, so that it unmounts before they run: hooks run in reverse)
const dom = reactHost()

function record(kind: UnreadableRecord['kind'], userId: string | null, problem: string, recordId: string = crypto.randomUUID()): UnreadableRecord {
  return { key: `user/u1/${kind}/${recordId}`, doc: userId ? 'user/u1' : 'space', userId, kind, recordId, problem, seenAt: '2026-12-03T11:00:00.000Z' }
}

const PROBLEMS = [
  record('message', 'sam', 'timestamp: expected an ISO-8601 UTC date, got "not-a-date"'),
  record('message', 'sam', 'content: expected a string, got an object'),
  record('memory', 'sam', 'categories: expected an array, got "food"', 'mem-1'),
  record('settings', null, 'categories: expected an array'),
]

test('nothing is shown while every record could be read', () => {
  act(() => dom.root.render(<UnreadableRecords />))
  expect(dom.host.innerHTML).toBe('')
  act(() => dom.root.render(<SyncPill />))
  expect(dom.host.querySelector('.sync-pill-badge')).toBeNull()
  expect(dom.host.querySelector('button')!.getAttribute('aria-label')).toBe('Sync: Local only')
})

test('the count, then behind a disclosure each record: what it is, whose, what was wrong', () => {
  act(() => dom.root.render(<UnreadableRecords />))
  act(() => useSyncStore.setState({ unreadable: PROBLEMS }))
  expect(dom.host.querySelector('.sync-problem-title')!.textContent).toBe('4 records from another device could not be read')

  const details = dom.host.querySelector('details')!
  expect(details.open).toBe(false)
  const summary = details.querySelector('summary')!
  expect(summary.textContent).toBe('What could not be read')
  act(() => summary.click())
  expect(details.open).toBe(true)

  const items = [...dom.host.querySelectorAll('.sync-unreadable-list li')]
  expect(items.map((li) => li.querySelector('.sync-unreadable-kind')!.textContent)).toEqual(['A message of sam', 'A message of sam', 'A memory of sam', 'Space settings'])
  expect(items[0].querySelector('.sync-unreadable-problem')!.textContent).toBe('timestamp: expected an ISO-8601 UTC date, got "not-a-date"')
  expect(items[2].querySelector('.sync-unreadable-id')!.textContent).toBe('mem-1')

  // One record: the sentence says so.
  act(() => useSyncStore.setState({ unreadable: [PROBLEMS[0]] }))
  expect(dom.host.querySelector('.sync-problem-title')!.textContent).toBe('1 record from another device could not be read')

  // All read again (a later valid write): the box goes.
  act(() => useSyncStore.setState({ unreadable: [] }))
  expect(dom.host.querySelector('[data-testid="unreadable-records"]')).toBeNull()
})

test('whatever the peer sent is shown as text, and a flood is cut to the first 50 with the rest counted', () => {
  const hostile = record('profile', '<img src=x onerror=alert(1)>', 'name: expected a string, got <b>42</b>')
  const flood = Array.from({ length: 120 }, (_, i) => record('message', 'sam', `seq: expected a number (${i})`))
  act(() => dom.root.render(<UnreadableRecords />))
  act(() => useSyncStore.setState({ unreadable: [hostile, ...flood] }))
  expect(dom.host.querySelector('img, b')).toBeNull()
  expect(dom.host.querySelector('.sync-unreadable-kind')!.textContent).toBe('A profile of <img src=x onerror=alert(1)>')
  expect(dom.host.querySelectorAll('.sync-unreadable-list li')).toHaveLength(50)
  expect(dom.host.textContent).toContain('and 71 more records')
  expect(dom.host.querySelector('.sync-problem-title')!.textContent).toBe('121 records from another device could not be read')
})

test('the sync pill carries the count, and says it to screen readers', () => {
  act(() => dom.root.render(<SyncPill />))
  act(() => useSyncStore.setState({ unreadable: PROBLEMS.slice(0, 3) }))
  const button = dom.host.querySelector('button')!
  expect(dom.host.querySelector('.sync-pill-badge')!.textContent).toBe('3')
  expect(button.getAttribute('aria-label')).toBe('Sync: Local only. 3 records from another device could not be read')
})
