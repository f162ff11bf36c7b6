import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, fillDiskFor, freeDisk, launch, openApp, PHONE, sendMessage, shot } from './harness'

let browser: Browser
const dir = mkdtempSync(join(tmpdir(), 'keepsake-e2e-'))

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

async function openSettingsSection(page: Page, name: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  const section = page.getByRole('dialog', { name: 'Settings' }).getByRole('region', { name })
  await section.waitFor()
  await section.scrollIntoViewIfNeeded()
  return section
}

/** Clicks what starts a download and saves the file; returns its suggested name and its JSON. */
async function download(page: Page, button: Locator): Promise<{ name: string; path: string; json: { format: string; scope: string; users: { userId: string }[] } }> {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()])
  const name = file.suggestedFilename()
  const path = join(dir, name)
  await file.saveAs(path)
  return { name, path, json: JSON.parse(readFileSync(path, 'utf8')) }
}

async function chooseFile(page: Page, button: Locator, path: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button.click()])
  await chooser.setFiles(path)
}

const DAY = /\d{4}-\d{2}-\d{2}/

test('export, then import into a fresh browser profile: the users, chats, messages and memories come back', async () => {
  const a = await openApp(browser, DESKTOP)
  await createFirstProfile(a.page, 'Ada Lovelace')
  await sendMessage(a.page, "I'm allergic to peanuts.")
  await sendMessage(a.page, 'I live in Paris.')
  await a.page.getByRole('button', { name: 'Process now' }).click()
  await a.page.locator('.inline-notice', { hasText: /Memory updated: 2 new/ }).waitFor()
  // a second profile
  await a.page.getByRole('button', { name: /Profile: Ada Lovelace/ }).click()
  await a.page.getByRole('menuitem', { name: 'New profile' }).click()
  const create = a.page.getByRole('dialog', { name: 'New profile' })
  await create.getByLabel('Your name').fill('Charles Babbage')
  await create.getByRole('button', { name: 'Create profile' }).click()
  await a.page.getByRole('button', { name: /Profile: Charles Babbage/ }).waitFor()
  await sendMessage(a.page, 'I work on the Difference Engine.')

  const backup = await openSettingsSection(a.page, 'Export and import')
  const all = await download(a.page, backup.getByRole('button', { name: 'Export everything' }))
  expect(all.name).toMatch(new RegExp(`^keepsake-${DAY.source}\\.json$`))
  expect(all.json.format).toBe('keepsake-backup')
  expect(all.json.scope).toBe('space')
  expect(all.json.users.map((u) => u.userId).sort()).toEqual(['ada-lovelace', 'charles-babbage'])
  const one = await download(a.page, backup.getByRole('button', { name: 'Export Charles Babbage only' }))
  expect(one.name).toMatch(new RegExp(`^keepsake-charles-babbage-${DAY.source}\\.json$`))
  expect(one.json.users.map((u) => u.userId)).toEqual(['charles-babbage'])
  await a.page.getByText(`Saved ${one.name} to your downloads`).waitFor()
  await shot(a.page, 'settings-backup')
  expect(appErrors(a.page)).toEqual([])
  await a.context.close()

  // A new browser profile: restore from the first-run card.
  const b = await openApp(browser, DESKTOP)
  await b.page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  // A file that is not a backup is refused on the first-run card too; then the real one.
  const restore = b.page.getByRole('button', { name: 'Restore from a backup file…' })
  const bad = join(dir, 'not-a-backup.json')
  writeFileSync(bad, JSON.stringify({ hello: 'world' }))
  await chooseFile(b.page, restore, bad)
  await b.page.getByText(/“not-a-backup\.json” was not imported: .+ Nothing was changed\./).waitFor()
  await b.page.getByRole('alert').scrollIntoViewIfNeeded()
  await shot(b.page, 'first-run-restore')
  await b.page.setViewportSize(PHONE)
  await b.page.getByRole('alert').scrollIntoViewIfNeeded()
  await shot(b.page, 'first-run-restore')
  await b.page.setViewportSize(DESKTOP)
  await chooseFile(b.page, restore, all.path)
  await b.page.getByRole('textbox', { name: 'Message' }).waitFor()
  await b.page.getByText(/Imported: 2 profiles created/).waitFor()
  const switcher = b.page.getByRole('button', { name: /^Profile: / })
  await switcher.click()
  expect((await b.page.getByRole('menuitemradio').allInnerTexts()).join(' ')).toMatch(/Ada Lovelace[\s\S]*Charles Babbage|Charles Babbage[\s\S]*Ada Lovelace/)
  await b.page.getByRole('menuitemradio', { name: /Ada Lovelace/ }).click()
  await b.page.getByRole('button', { name: /Profile: Ada Lovelace/ }).waitFor()
  await b.page.getByRole('button', { name: /I'm allergic to peanuts/ }).click()
  await expect.poll(() => b.page.locator('.message-user .message-text').allInnerTexts()).toEqual(["I'm allergic to peanuts.", 'I live in Paris.'])
  await expect.poll(() => b.page.locator('.memory-card').count()).toBe(2)
  expect(await b.page.locator('.session-item .badge').first().innerText()).toContain('Processed')

  // The same file again changes nothing; a file that is not a backup is refused, nothing changed.
  const section = await openSettingsSection(b.page, 'Export and import')
  await chooseFile(b.page, section.getByRole('button', { name: 'Import a backup…' }), all.path)
  await section.getByText(/0 profiles created, 2 merged into existing ones; 0 records added, \d+ already here/).waitFor()
  await chooseFile(b.page, section.getByRole('button', { name: 'Import a backup…' }), bad)
  const refused = section.getByRole('alert')
  await refused.waitFor()
  expect(await refused.innerText()).toMatch(/“not-a-backup\.json” was not imported: .+ Nothing was changed\./)
  await shot(b.page, 'settings-import')
  await b.page.setViewportSize(PHONE)
  await section.scrollIntoViewIfNeeded()
  await shot(b.page, 'settings-import')
  await b.page.setViewportSize(DESKTOP)
  await b.page.keyboard.press('Escape')
  expect((await b.page.getByRole('button', { name: /^Profile: / }).innerText()).trim()).toMatch(/Ada Lovelace/)

  expect(appErrors(b.page)).toEqual([])
  await b.context.close()
})

test('storage: usage and quota, the persistence answer, the eviction warning; deleting everything', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Grace Hopper')
  // The first message is when the browser is asked, once, to keep the data.
  await sendMessage(page, 'I work as a compiler engineer.')

  const storage = await openSettingsSection(page, 'Storage')
  await expect.poll(() => storage.innerText(), { timeout: 5000 }).toMatch(/Using .+ of .+ this browser allows/)
  const text = await storage.innerText()
  expect(text).toMatch(/Persistent storage: (on|off)\./)
  expect(text).toMatch(/Chats, memories and profiles: /)
  if (/Persistent storage: off/.test(text)) {
    // Not persistent and no sync: the data has no safety net, and the person can ask again.
    expect(text).toMatch(/Your data has no safety net/)
    await storage.getByRole('button', { name: 'Ask to keep my data' }).click()
    await expect.poll(() => storage.innerText(), { timeout: 5000 }).toMatch(/The browser (agreed|said no for now)/)
  }
  await shot(page, 'settings-storage')
  await page.setViewportSize(PHONE)
  await storage.scrollIntoViewIfNeeded()
  await shot(page, 'settings-storage')
  await page.setViewportSize(DESKTOP)
  await page.keyboard.press('Escape')

  // Delete all my data: the phrase must be typed; then the app starts again at first run.
  const danger = await openSettingsSection(page, 'Danger zone')
  await danger.getByRole('button', { name: 'Delete everything…' }).click()
  const confirm = page.getByRole('dialog', { name: 'Delete all data on this device?' })
  await confirm.waitFor()
  expect(await confirm.getByRole('button', { name: 'Delete everything' }).isDisabled()).toBe(true)
  await confirm.getByLabel(/to confirm/).fill('delete everything')
  await shot(page, 'delete-everything')
  await page.setViewportSize(PHONE)
  await shot(page, 'delete-everything')
  await page.setViewportSize(DESKTOP)
  await confirm.getByRole('button', { name: 'Delete everything' }).click()
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor({ timeout: 15_000 })
  await page.reload()
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()

  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('a full disk: sending a message says what to do, keeps the text, and nothing half-saved shows; with room again it sends', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Grace Hopper', 'grace')
  await sendMessage(page, 'First message, stored fine.')
  // From the next document on, IndexedDB refuses new log entries as a full disk does, until lifted.
  await fillDiskFor(context, 'updates')
  await page.reload()
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.fill('This one does not fit.')
  await box.press('Enter')
  const alert = page.getByRole('alert').filter({ hasText: 'Storage on this device is full' })
  await alert.waitFor({ timeout: 15_000 })
  expect(await alert.innerText()).toMatch(/Free some room/)
  expect(await box.inputValue()).toBe('This one does not fit.')
  expect(await page.locator('.message-user .message-text').allInnerTexts()).toEqual(['First message, stored fine.'])
  await shot(page, 'storage-full-send')
  await page.setViewportSize(PHONE)
  await alert.scrollIntoViewIfNeeded()
  await shot(page, 'storage-full-send')
  await page.setViewportSize(DESKTOP)

  await freeDisk(page)
  await box.press('Enter')
  await page.locator('.message-user .message-text', { hasText: 'This one does not fit.' }).waitFor()
  await page.reload()
  await page.locator('.message-user .message-text', { hasText: 'This one does not fit.' }).waitFor()
  expect(await page.locator('.message-user .message-text').allInnerTexts()).toEqual(['First message, stored fine.', 'This one does not fit.'])
  expect(appErrors(page)).toEqual([])
  await context.close()
})
