import { act, useState } from 'react'
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { reactHost } from './reactHost'
import { PanelBoundary } from '../../src/app/components/PanelBoundary'

beforeEach(() => {
  // React reports caught render errors on the console; they are the point of these tests.
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

afterEach(() => {
  vi.restoreAllMocks()
})

// (registered after the hooks above, so that it unmounts before they run: hooks run in reverse)
const dom = reactHost()

/** Renders what a message whose content arrived as an object would: React refuses it. */
function Throws({ message }: { message: string }): never {
  throw new TypeError(message)
}

function render(node: React.ReactNode): void {
  act(() => dom.root.render(node))
}

function buttonNamed(scope: ParentNode, name: string): HTMLButtonElement {
  const found = [...scope.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)
  if (!found) throw new Error(`no button "${name}" in ${(scope as Element).outerHTML ?? 'document'}`)
  return found
}

test('a panel that throws shows a card with the message, Reload and Export backup; the panel beside it keeps working', async () => {
  const reload = vi.fn()
  const exportBackup = vi.fn(async () => 'keepsake-backup-2026-12-03.json')
  function Counter() {
    const [n, setN] = useState(0)
    return (
      <button type="button" onClick={() => setN(n + 1)}>
        Clicked {n}
      </button>
    )
  }
  render(
    <div>
      <PanelBoundary what="Your memories" actions={{ reload, exportBackup }}>
        <Throws message="e.categories.map is not a function" />
      </PanelBoundary>
      <section id="beside">
        <Counter />
      </section>
    </div>,
  )

  const card = dom.host.querySelector<HTMLElement>('[role="alert"]')
  expect(card).not.toBeNull()
  expect(card!.textContent).toContain('Your memories could not be shown')
  expect(card!.querySelector('.panel-error-message')!.textContent).toBe('e.categories.map is not a function')

  // The rest of the app is still there and still reacts.
  const counter = dom.host.querySelector<HTMLButtonElement>('#beside button')!
  act(() => counter.click())
  expect(counter.textContent).toBe('Clicked 1')

  // Both buttons are real, focusable buttons that call their actions.
  const reloadButton = buttonNamed(card!, 'Reload')
  const exportButton = buttonNamed(card!, 'Export backup')
  reloadButton.focus()
  expect(document.activeElement).toBe(reloadButton)
  act(() => reloadButton.click())
  expect(reload).toHaveBeenCalledTimes(1)

  await act(async () => exportButton.click())
  expect(exportBackup).toHaveBeenCalledTimes(1)
  expect(card!.querySelector('[role="status"]')!.textContent).toBe('Saved keepsake-backup-2026-12-03.json to your downloads.')
})

test('the error text is shown as text, never as HTML', () => {
  render(
    <PanelBoundary what="The conversation" actions={{ reload: vi.fn(), exportBackup: vi.fn(async () => 'x.json') }}>
      <Throws message={'<img src=x onerror="window.__pwned=1"><b>bold</b>'} />
    </PanelBoundary>,
  )
  const message = dom.host.querySelector('.panel-error-message')!
  expect(message.textContent).toBe('<img src=x onerror="window.__pwned=1"><b>bold</b>')
  expect(message.querySelector('img, b')).toBeNull()
})

test('a backup that cannot be made says why, in the card', async () => {
  const exportBackup = vi.fn(async (): Promise<string> => {
    throw new Error('The database is closed')
  })
  render(
    <PanelBoundary what="Settings" variant="section" actions={{ reload: vi.fn(), exportBackup }}>
      <Throws message="boom" />
    </PanelBoundary>,
  )
  await act(async () => buttonNamed(dom.host, 'Export backup').click())
  expect(exportBackup).toHaveBeenCalledTimes(1)
  const alerts = [...dom.host.querySelectorAll('[role="alert"]')].map((e) => e.textContent)
  expect(alerts).toContain('The backup could not be made: The database is closed')
})

test('a new resetKey tries the panel again, and healthy children render untouched', () => {
  const actions = { reload: vi.fn(), exportBackup: vi.fn(async () => 'x.json') }
  function Panel({ broken }: { broken: boolean }) {
    return broken ? <Throws message="Invalid time value" /> : <p id="fine">All memories</p>
  }
  render(
    <PanelBoundary what="Your memories" actions={actions} resetKey={1}>
      <Panel broken />
    </PanelBoundary>,
  )
  expect(dom.host.textContent).toContain('Invalid time value')
  expect(dom.host.querySelector('#fine')).toBeNull()

  // Same key: the card stays even though the child would now render.
  render(
    <PanelBoundary what="Your memories" actions={actions} resetKey={1}>
      <Panel broken={false} />
    </PanelBoundary>,
  )
  expect(dom.host.querySelector('#fine')).toBeNull()

  render(
    <PanelBoundary what="Your memories" actions={actions} resetKey={2}>
      <Panel broken={false} />
    </PanelBoundary>,
  )
  expect(dom.host.querySelector('#fine')!.textContent).toBe('All memories')
  expect(dom.host.querySelector('[role="alert"]')).toBeNull()
})

test('focus lost with the failed panel lands on the card title, not nowhere', () => {
  let breakIt: () => void = () => undefined
  function Composer() {
    const [broken, setBroken] = useState(false)
    breakIt = () => setBroken(true)
    if (broken) throw new Error('content: expected a string')
    return <textarea aria-label="Message" />
  }
  render(
    <PanelBoundary what="The message box" variant="section" actions={{ reload: vi.fn(), exportBackup: vi.fn(async () => 'x.json') }}>
      <Composer />
    </PanelBoundary>,
  )
  dom.host.querySelector('textarea')!.focus()
  act(() => breakIt())
  const title = dom.host.querySelector('.panel-error-title')!
  expect(document.activeElement).toBe(title)
})

test('the inline variant (top bar) names what failed and offers Reload', () => {
  const reload = vi.fn()
  render(
    <PanelBoundary what="The profile switcher" variant="inline" actions={{ reload, exportBackup: vi.fn(async () => 'x.json') }}>
      <Throws message="(e.name || e.userId).trim is not a function" />
    </PanelBoundary>,
  )
  const alert = dom.host.querySelector('[role="alert"]')!
  expect(alert.textContent).toContain('The profile switcher could not be shown')
  expect(alert.textContent).toContain('(e.name || e.userId).trim is not a function')
  act(() => buttonNamed(alert, 'Reload').click())
  expect(reload).toHaveBeenCalledTimes(1)
})
