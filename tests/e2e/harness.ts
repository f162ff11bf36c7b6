import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { inject } from 'vitest'
import { CHROMIUM_ARGS, chromiumPath } from '../chromium'

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '__screenshots__')

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true })
}

/**
 * A fresh browser profile (its own IndexedDB) showing the app at the given size. `options` adds
 * context options, e.g. `serviceWorkers: 'block'` so that page.route sees every request.
 */
export async function openApp(
  browser: Browser,
  viewport = DESKTOP,
  colorScheme: 'light' | 'dark' = 'light',
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion: 'reduce', locale: 'en-GB', timezoneId: 'Europe/Berlin', ...options })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  ;(page as Page & { appErrors: string[] }).appErrors = errors
  await page.goto(inject('baseURL'))
  return { context, page }
}

/** Uncaught errors and console errors the page logged so far. */
export function appErrors(page: Page): string[] {
  return (page as Page & { appErrors?: string[] }).appErrors ?? []
}

/** Saves tests/e2e/__screenshots__/<name>-<w>x<h>.png (overwritten each run). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  const size = page.viewportSize() ?? DESKTOP
  // Let transitions and the caret settle so the pictures are stable.
  await page.waitForTimeout(150)
  await page.screenshot({ path: join(SHOTS, `${name}-${size.width}x${size.height}.png`), animations: 'disabled', caret: 'hide' })
}

/** Creates a profile through the first-run card. */
export async function createFirstProfile(page: Page, name: string, userId?: string): Promise<void> {
  await page.getByLabel('Your name').fill(name)
  if (userId) await page.getByLabel('User id').fill(userId)
  await page.getByRole('button', { name: 'Create my profile' }).click()
  await page.getByRole('textbox', { name: 'Message' }).waitFor()
}

/** Sends a message with the Enter key. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.fill(text)
  await box.press('Enter')
  await page.locator('.message-user .message-text', { hasText: text.split('\n')[0] }).last().waitFor()
}

/**
 * From the context's next document on, IndexedDB refuses put/add on one object store as a full disk
 * does (QuotaExceededError), until the page sets `window.__diskFull = false`. (Chromium's quota
 * override does not reach an origin's existing database.) Reload the page to apply it.
 */
export async function fillDiskFor(context: BrowserContext, storeName: string): Promise<void> {
  await context.addInitScript((name: string) => {
    const w = window as unknown as { __diskFull: boolean }
    w.__diskFull = true
    const proto = IDBObjectStore.prototype
    for (const method of ['put', 'add'] as const) {
      const original = proto[method]
      proto[method] = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (w.__diskFull && this.name === name) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
        return original.apply(this, args)
      }
    }
  }, storeName)
}

/** Lifts fillDiskFor in this page. */
export async function freeDisk(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __diskFull: boolean }).__diskFull = false))
}
