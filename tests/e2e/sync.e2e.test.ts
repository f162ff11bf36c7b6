import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, launch, PHONE, sendMessage, shot } from './harness'
import { closeSettings, joinWithLink, memoryTexts, openDevice, processNow, startSyncing, unexpectedErrors, waitSynced, type Device } from './syncDevices'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

const sessionTitles = (page: Page) => page.locator('.session-title').allInnerTexts()

/** Waits until the device's memory list (live versions) matches. */
async function memoriesMatch(d: Device, pattern: RegExp, timeout = 20_000): Promise<void> {
  await expect.poll(async () => (await memoryTexts(d.page)).join(' | '), { timeout, message: `${d.name}'s memories` }).toMatch(pattern)
}

async function sessionsInclude(d: Device, title: string, timeout = 20_000): Promise<void> {
  await expect.poll(() => sessionTitles(d.page), { timeout, message: `${d.name}'s chats` }).toContain(title)
}

test('two devices: live sync, edits made apart merge, a chain changed on both becomes one conflict settled from either, a chat processed once', { timeout: 240_000 }, async () => {
  const a = await openDevice(browser, 'A')
  await createFirstProfile(a.page, 'Sam Rivers', 'sam')
  await sendMessage(a.page, 'I live in Paris.')
  await processNow(a.page, /Memory updated: 1 new/)
  const link = await startSyncing(a.page)
  await closeSettings(a.page)

  // B joins: A's profile, chat and memory are there.
  const b = await openDevice(browser, 'B')
  await joinWithLink(b.page, link)
  await b.page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 30_000 })
  await waitSynced(b.page)
  expect(await b.page.locator('.user-button').innerText()).toContain('Sam Rivers')
  await memoriesMatch(b, /Paris/)
  await sessionsInclude(b, 'I live in Paris.')

  // Created on A while both are online: it shows on B without a reload.
  await sendMessage(a.page, 'I have a dog named Rex.')
  await sessionsInclude(b, 'I have a dog named Rex.')

  // Apart: each device changes where Sam lives, and adds something of its own.
  await a.goOffline()
  await b.goOffline()
  await a.page.getByRole('button', { name: 'Sync: Offline' }).waitFor({ timeout: 20_000 })
  await b.page.getByRole('button', { name: 'Sync: Offline' }).waitFor({ timeout: 20_000 })
  await sendMessage(a.page, 'I moved to Berlin.')
  await processNow(a.page, /Memory updated: 1 new, 1 changed/)
  await b.page.getByRole('button', { name: 'New chat' }).click()
  await sendMessage(b.page, 'I moved to Rome.')
  await sendMessage(b.page, 'I play the cello.')
  await processNow(b.page, /Memory updated: 1 new, 1 changed/)
  await memoriesMatch(a, /Berlin/)
  await memoriesMatch(b, /Rome/)
  expect((await memoryTexts(a.page)).join(' ')).not.toMatch(/Rome|cello/)
  await shot(b.page, 'sync-offline')

  // Together again: both have everything.
  await a.goOnline()
  await b.goOnline()
  await waitSynced(a.page, 60_000)
  await waitSynced(b.page, 60_000)
  await sessionsInclude(a, 'I moved to Rome.')
  await sessionsInclude(b, 'I have a dog named Rex.')
  await memoriesMatch(a, /cello/)
  await memoriesMatch(b, /Rex/)

  // Paris -> Berlin on A and Paris -> Rome on B: one conflict, on both devices.
  const waiting = 'Conflicts: 1 waiting for your answer'
  await a.page.getByRole('button', { name: waiting }).waitFor({ timeout: 20_000 })
  await b.page.getByRole('button', { name: waiting }).waitFor({ timeout: 20_000 })
  await b.page.getByRole('button', { name: waiting }).click()
  const card = b.page.locator('.conflicts-panel .conflict-card').first()
  await card.waitFor()
  expect(await card.innerText()).toMatch(/Berlin/)
  expect(await card.innerText()).toMatch(/Rome/)
  expect(await card.innerText()).toMatch(/changed on two devices/i)
  await shot(b.page, 'sync-conflict')
  await b.page.setViewportSize(PHONE)
  await b.page.getByRole('button', { name: waiting }).click()
  await b.page.getByRole('dialog', { name: 'Memory and profile' }).waitFor()
  await shot(b.page, 'sync-conflict')
  await b.page.getByRole('button', { name: 'Back to chat' }).click()
  await b.page.setViewportSize(DESKTOP)

  // Settled from B: Rome is right. A sees it settled.
  await card.locator('.option', { hasText: /Rome/ }).click()
  await b.page.getByRole('button', { name: 'Conflicts: none waiting' }).waitFor()
  await a.page.getByRole('button', { name: 'Conflicts: none waiting' }).waitFor({ timeout: 20_000 })
  await b.page.getByRole('tab', { name: 'Memories' }).click()
  for (const d of [a, b]) {
    await memoriesMatch(d, /Rome/)
    expect((await memoryTexts(d.page)).join(' '), d.name).not.toMatch(/Berlin|Paris/)
  }

  // A writes a chat and leaves it; B processes it. Its memory is made once, and both show it once.
  await sendMessage(a.page, "I'm allergic to peanuts.")
  await sessionsInclude(b, "I'm allergic to peanuts.")
  await b.page.locator('.session-item', { hasText: "I'm allergic to peanuts." }).click()
  await processNow(b.page, /Memory updated: 1 new/)
  await memoriesMatch(a, /peanut/i)
  await expect.poll(() => a.page.locator('.session-item', { hasText: "I'm allergic to peanuts." }).locator('.badge').innerText(), { timeout: 20_000 }).toMatch(/Processed/)
  await waitSynced(a.page)
  await waitSynced(b.page)
  const onA = (await memoryTexts(a.page)).sort()
  const onB = (await memoryTexts(b.page)).sort()
  expect(onA).toEqual(onB)
  expect(new Set(onA).size).toBe(onA.length)
  expect(onA.filter((t) => /peanut/i.test(t))).toHaveLength(1)
  expect(onA).toHaveLength(4) // Rome, Rex, cello, peanuts

  for (const d of [a, b]) {
    expect(unexpectedErrors(appErrors(d.page)), d.name).toEqual([])
    await d.context.close()
  }
})
