import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSpaceCredentials, pairingLink, parsePairingLink } from '../../src/core/spaceToken'
import { appErrors, createFirstProfile, DESKTOP, fillDiskFor, freeDisk, launch, PHONE, sendMessage, shot } from './harness'
import { closeSettings, joinWithLink, memoryTexts, openDevice, openSyncSettings, processNow, scrollToSync, startSyncing, unexpectedErrors, waitSynced } from './syncDevices'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})


/** Both sizes of one screen, back at the size it was; `before` runs after each resize (e.g. to scroll). */
async function shotBoth(page: Page, name: string, before?: () => Promise<void>): Promise<void> {
  const size = page.viewportSize() ?? DESKTOP
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport)
    await before?.()
    await shot(page, name)
  }
  await page.setViewportSize(size)
}

test('pairing: A starts syncing and copies the link, B opens it, confirms, and receives A’s profile', async () => {
  const a = await openDevice(browser, 'A')
  await createFirstProfile(a.page, 'Ada Lovelace', 'ada')
  await sendMessage(a.page, "I'm allergic to peanuts.")
  await processNow(a.page, /Memory updated: 1 new/)

  // Local only until sync is started; the server address defaults to this host, port 1234.
  await a.page.getByRole('button', { name: 'Sync: Local only' }).waitFor()
  const section = await openSyncSettings(a.page)
  await section.getByText('Local only: your data is on this device only.').waitFor()
  expect(await section.getByLabel('Sync server').inputValue()).toBe('ws://localhost:1234')
  await shotBoth(a.page, 'sync-settings-local', () => scrollToSync(a.page))

  const link = await startSyncing(a.page)
  const qr = section.getByRole('img', { name: /QR code of the pairing link/ })
  await qr.waitFor()
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100)
  await section.getByRole('button', { name: 'Copy' }).click()
  await section.getByRole('button', { name: 'Copied' }).waitFor()
  const copied = await a.page.evaluate(() => navigator.clipboard.readText())
  expect(copied).toBe(link)
  expect(link.startsWith(`${inject('baseURL')}/#pair=`)).toBe(true)

  // The secret is in the link's fragment and this device's storage, and nowhere a server sees it.
  const payload = parsePairingLink(link)
  expect(payload.url).toBe(inject('syncURL'))
  const stored = JSON.parse((await a.page.evaluate(() => localStorage.getItem('keepsake:sync'))) ?? '{}')
  expect(stored).toEqual({ url: payload.url, spaceId: payload.spaceId, secret: payload.secret })
  await shotBoth(a.page, 'sync-settings', () => scrollToSync(a.page))
  await closeSettings(a.page)
  await waitSynced(a.page)

  // B: a phone with nothing on it opens the link.
  const b = await openDevice(browser, 'B', PHONE)
  await b.page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  await b.page.goto(link)
  const confirm = b.page.getByRole('dialog', { name: 'Join your synced devices?' })
  await confirm.waitFor()
  expect(await confirm.innerText()).toContain(inject('syncURL'))
  expect(await confirm.innerText()).toMatch(/no profiles yet/)
  await shotBoth(b.page, 'pairing-confirm-empty')
  await confirm.getByRole('button', { name: 'Join', exact: true }).click()

  // A's profile, chat and memory arrive; the fragment is gone from the address.
  await b.page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 30_000 })
  expect(await b.page.locator('.user-button').innerText()).toContain('Ada Lovelace')
  expect(new URL(b.page.url()).hash).toBe('')
  await waitSynced(b.page)
  await b.page.getByRole('button', { name: 'Memory' }).click()
  await expect.poll(async () => (await memoryTexts(b.page)).join(' '), { timeout: 15_000 }).toMatch(/peanut/i)
  await b.page.getByRole('button', { name: 'Back to chat' }).click()

  // C already has a profile of its own with the same id: the link warns that its data merges.
  const c = await openDevice(browser, 'C')
  await createFirstProfile(c.page, 'Ada King', 'ada')
  await sendMessage(c.page, 'I play the harp.')
  await c.page.goto(link)
  const merge = c.page.getByRole('dialog', { name: 'Join your synced devices?' })
  await merge.waitFor()
  expect(await merge.innerText()).toMatch(/The data on this device merges with theirs/)
  expect(await merge.innerText()).toMatch(/1 profile,/)
  await shotBoth(c.page, 'pairing-confirm')
  await merge.getByRole('button', { name: 'Join and merge' }).click()
  await merge.waitFor({ state: 'hidden' })
  await waitSynced(c.page)

  // Two profiles now use the id "ada": every device shows the banner until one is renamed.
  const banner = (page: Page) => page.locator('.clash-banner')
  await banner(c.page).waitFor({ timeout: 20_000 })
  expect(await banner(c.page).innerText()).toMatch(/Two profiles use the id “ada” — rename one/)
  await banner(a.page).waitFor({ timeout: 20_000 })
  // The toasts of the join would cover the banner on a phone: out of the way first.
  for (const dismiss of await c.page.locator('.notices').getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click()
  await shotBoth(c.page, 'clash-banner')
  await banner(c.page).getByRole('button', { name: 'Rename…' }).click()
  const rename = c.page.getByRole('dialog', { name: 'Rename one “ada”' })
  await rename.waitFor()
  await rename.getByRole('radio', { name: /Ada King/ }).check()
  await rename.getByRole('textbox', { name: 'New id' }).fill('ada-king')
  await shotBoth(c.page, 'clash-rename')
  await rename.getByRole('button', { name: 'Rename', exact: true }).click()
  await rename.waitFor({ state: 'hidden' })
  await banner(c.page).waitFor({ state: 'hidden' })
  await banner(a.page).waitFor({ state: 'hidden', timeout: 20_000 })
  // A sees both profiles, each with its own id.
  await a.page.locator('.user-button').click()
  await a.page.getByRole('menuitemradio', { name: /Ada King/ }).waitFor()
  expect(await a.page.getByRole('menu', { name: 'Profiles' }).innerText()).toMatch(/ada-king/)
  await a.page.keyboard.press('Escape')

  // The secret went nowhere: not in a request to the app's server, not in a frame to the sync server.
  const text = (x: string | Buffer) => (typeof x === 'string' ? x : x.toString('latin1'))
  for (const d of [a, b, c]) {
    const { requests, frames } = d.sent()
    expect(frames.length, `${d.name} synced`).toBeGreaterThan(0)
    expect([...requests, ...frames].filter((x) => text(x).includes(payload.secret)), `${d.name} sent the secret`).toEqual([])
    expect(requests.filter((x) => text(x).includes('pair=')), `${d.name} sent the pairing link`).toEqual([])
  }

  for (const d of [a, b, c]) {
    expect(unexpectedErrors(appErrors(d.page)), d.name).toEqual([])
    await d.context.close()
  }
})

test('sync errors say what to do: a damaged link, a wrong key, an unreachable server; leaving keeps the data', async () => {
  const a = await openDevice(browser, 'A')
  await createFirstProfile(a.page, 'Mary Somerville', 'mary')
  const link = await startSyncing(a.page)
  await closeSettings(a.page)

  const d = await openDevice(browser, 'D')
  // A link cut short.
  await d.page.goto(link.slice(0, link.length - 30))
  const bad = d.page.getByRole('dialog', { name: 'This pairing link can’t be used' })
  await bad.waitFor()
  expect(await bad.innerText()).toMatch(/copy the pairing link again/i)
  await bad.getByRole('button', { name: 'OK' }).click()
  expect(new URL(d.page.url()).hash).toBe('')

  // The right space with another secret: the server refuses it (permission-denied, wrong-token).
  const { spaceId } = parsePairingLink(link)
  const wrong = pairingLink(inject('baseURL'), { serverUrl: inject('syncURL'), spaceId, secret: 'x'.repeat(43) })
  await createFirstProfile(d.page, 'Dora', 'dora')
  await joinWithLink(d.page, wrong)
  await d.page.getByRole('button', { name: 'Sync: Sync error' }).waitFor({ timeout: 20_000 })
  const section = await openSyncSettings(d.page)
  const problem = section.getByRole('alert')
  await problem.waitFor()
  expect(await problem.innerText()).toMatch(/The server refused this space’s key/)
  expect(await problem.innerText()).toMatch(/wrong-token/)
  expect(await problem.innerText()).toMatch(/Open a fresh pairing link/)
  await shotBoth(d.page, 'sync-error', () => scrollToSync(d.page))

  // Leaving keeps everything on this device.
  await section.getByRole('button', { name: 'Leave…' }).click()
  const leave = d.page.getByRole('dialog', { name: 'Stop syncing this device?' })
  await leave.getByRole('button', { name: 'Leave this space' }).click()
  await section.getByText('Local only: your data is on this device only.').waitFor()
  expect(await d.page.evaluate(() => localStorage.getItem('keepsake:sync'))).toBeNull()
  expect(await d.page.locator('.user-button').innerText()).toContain('Dora')

  // A server that does not answer.
  await section.getByLabel('Sync server').fill('ws://127.0.0.1:9')
  await section.getByRole('button', { name: 'Start syncing' }).click()
  await section.getByRole('alert').filter({ hasText: 'Can’t reach the sync server' }).waitFor({ timeout: 20_000 })
  expect(await section.getByRole('alert').innerText()).toMatch(/npm start/)
  await shotBoth(d.page, 'sync-unreachable', () => scrollToSync(d.page))
  await closeSettings(d.page)
  await d.page.getByRole('button', { name: 'Sync: Offline' }).waitFor()

  // After a reload, the device reconnects to the space it syncs with on its own.
  await a.page.reload()
  await waitSynced(a.page)

  expect(unexpectedErrors(appErrors(a.page))).toEqual([])
  await a.context.close()
  await d.context.close()
})

test('a device with no room for what arrives says what to do, and catches up once there is room', async () => {
  const a = await openDevice(browser, 'A')
  await createFirstProfile(a.page, 'Ada Lovelace', 'ada')
  await sendMessage(a.page, 'I write programs for the Analytical Engine.')
  const link = await startSyncing(a.page)
  await closeSettings(a.page)

  // F's IndexedDB refuses new profile rows as a full disk does, until the page lifts it.
  const f = await openDevice(browser, 'F')
  await fillDiskFor(f.context, 'users')
  await f.page.reload() // init scripts run in new documents; the link below only changes the hash
  await joinWithLink(f.page, link)
  // The profile cannot be stored, so the welcome card stays, and says why and what to do.
  const problem = f.page.getByRole('alert').filter({ hasText: 'This device is out of storage' })
  await problem.waitFor({ timeout: 30_000 })
  expect(await problem.innerText()).toMatch(/Free some space/)
  expect(await problem.innerText()).not.toMatch(/server said/)
  await shotBoth(f.page, 'join-storage-full')

  // Still full: "Try again now" tries at once and says the same again.
  await problem.getByRole('button', { name: 'Try again now' }).click()
  await problem.waitFor({ timeout: 30_000 })

  // Room again: "Try again now" receives everything. The automatic retry (its backoff reaches 30 s) may
  // get there first and take the button away mid-click, so catching up is what is awaited.
  await freeDisk(f.page)
  const caughtUp = f.page.locator('.session-title', { hasText: 'I write programs for the Analytical Engine.' }).waitFor({ timeout: 45_000 })
  const clicked = problem
    .getByRole('button', { name: 'Try again now' })
    .click({ timeout: 45_000 })
    .catch(() => undefined)
  await Promise.race([caughtUp, clicked])
  await caughtUp
  expect(await f.page.locator('.user-button').innerText()).toContain('Ada Lovelace')
  await waitSynced(f.page)

  expect(unexpectedErrors(appErrors(a.page))).toEqual([])
  await a.context.close()
  await f.context.close()
})

test('a device that joined shows what it waits for on its welcome card', async () => {
  // a server that takes the connection and never answers
  const silent = createServer(() => undefined)
  silent.on('upgrade', () => undefined)
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()))
  try {
    const { spaceId, secret } = await createSpaceCredentials()
    const link = pairingLink(inject('baseURL'), { serverUrl: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`, spaceId, secret })
    const g = await openDevice(browser, 'G')
    await joinWithLink(g.page, link)
    const waiting = g.page.getByRole('status').filter({ hasText: 'Connecting to your synced devices' })
    await waiting.waitFor({ timeout: 10_000 })
    expect(await waiting.locator('progress').count()).toBe(1)
    // creating a profile here still works meanwhile
    expect(await g.page.getByRole('button', { name: 'Create my profile' }).isVisible()).toBe(true)
    await shotBoth(g.page, 'join-connecting')
    await g.context.close()
  } finally {
    silent.close()
  }
})
