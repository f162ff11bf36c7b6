import type { Browser, BrowserContext, Locator, Page, WebSocketRoute } from 'playwright-core'
import { inject } from 'vitest'
import { DESKTOP, openApp } from './harness'

/**
 * Devices for the sync tests: each is a browser context (its own IndexedDB, localStorage and
 * service worker) whose WebSockets pass through Playwright, so a test can cut one device off the
 * sync server and let it back (context.setOffline alone leaves open WebSockets working).
 */
export interface Device {
  name: string
  context: BrowserContext
  page: Page
  /** Closes its sockets, refuses new ones, and tells the page it is offline. */
  goOffline(): Promise<void>
  goOnline(): Promise<void>
  /** Everything the device sent: HTTP request URLs and bodies, and WebSocket frames. */
  sent(): { requests: (string | Buffer)[]; frames: (string | Buffer)[] }
}

export async function openDevice(browser: Browser, name: string, viewport = DESKTOP): Promise<Device> {
  const { context, page } = await openApp(browser, viewport)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: inject('baseURL') })
  let offline = false
  const open = new Set<WebSocketRoute>()
  const requests: (string | Buffer)[] = []
  const frames: (string | Buffer)[] = []
  context.on('request', (r) => {
    requests.push(r.url())
    const body = r.postDataBuffer()
    if (body) requests.push(body)
  })
  page.on('websocket', (ws) => ws.on('framesent', (f) => frames.push(f.payload)))
  // Only new sockets are routed: the app opens none before sync is set up, which is after this.
  await context.routeWebSocket(/.*/, (ws) => {
    if (offline) return void ws.close({ code: 1006, reason: 'offline' }).catch(() => undefined)
    ws.connectToServer()
    open.add(ws)
    ws.onClose(() => open.delete(ws))
  })
  return {
    name,
    context,
    page,
    async goOffline() {
      offline = true
      await context.setOffline(true)
      for (const ws of [...open]) await ws.close({ code: 1001, reason: 'offline' }).catch(() => undefined)
      open.clear()
    },
    async goOnline() {
      offline = false
      await context.setOffline(false)
    },
    sent: () => ({ requests, frames }),
  }
}

/** Console errors a cut-off device logs about its sockets, which are expected. */
export function unexpectedErrors(errors: string[]): string[] {
  return errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED|net::ERR_|Failed to load resource/.test(e))
}

export function settingsDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Settings' })
}

export function syncSection(page: Page): Locator {
  return page.locator('#sync-settings')
}

/** Opens Settings at its Sync section through the sync pill (unless Settings are open already). */
export async function openSyncSettings(page: Page): Promise<Locator> {
  const section = syncSection(page)
  if (!(await section.isVisible())) await page.getByRole('button', { name: /^Sync: / }).click()
  await section.waitFor()
  return section
}

export async function closeSettings(page: Page): Promise<void> {
  await page.keyboard.press('Escape')
  await settingsDialog(page).waitFor({ state: 'hidden' })
}

/** Scrolls the settings list so that the Sync section starts at its top (for screenshots). */
export async function scrollToSync(page: Page): Promise<void> {
  // Sections above may still be growing (storage figures load late).
  await page.waitForTimeout(300)
  await syncSection(page).evaluate((section) => {
    const list = section.closest('.settings')
    if (list) list.scrollTop += section.getBoundingClientRect().top - list.getBoundingClientRect().top
  })
}

/** Settings, Sync: a new space on the test's sync server. Returns the pairing link shown. */
export async function startSyncing(page: Page): Promise<string> {
  const section = await openSyncSettings(page)
  await section.getByLabel('Sync server').fill(inject('syncURL'))
  await section.getByRole('button', { name: 'Start syncing' }).click()
  await section.getByRole('status').filter({ hasText: /^Synced/ }).waitFor({ timeout: 20_000 })
  return section.getByLabel('Pairing link').inputValue()
}

/** Opens a pairing link on a device and confirms the join; `merge` when the device has data of its own. */
export async function joinWithLink(page: Page, link: string): Promise<void> {
  await page.goto(link)
  const dialog = page.getByRole('dialog', { name: 'Join your synced devices?' })
  await dialog.waitFor()
  await dialog.getByRole('button', { name: /^Join/ }).click()
  await dialog.waitFor({ state: 'hidden' })
}

/** Waits for the sync pill to say Synced. */
export async function waitSynced(page: Page, timeout = 30_000): Promise<void> {
  await page.getByRole('button', { name: 'Sync: Synced' }).waitFor({ timeout })
}

export const memoryTexts = (page: Page) => page.locator('.memory-card .memory-content').allInnerTexts()

/** "Process now" on the open chat, then the inline notice saying what changed. */
export async function processNow(page: Page, expected: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Process now' }).click()
  await page.locator('.inline-notice', { hasText: expected }).waitFor()
}
