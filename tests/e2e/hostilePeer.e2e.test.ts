import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { deriveSpaceToken, parsePairingLink } from '../../src/core/spaceToken'
import { uuidv7 } from '../../src/core/ids'
import { partDocName, PARTS_YMAP } from '../../src/sync/layout'
import { partsOf } from '../../src/sync/schema/views'
import { HostilePeer, plainCopy, uidOf, waitUntil } from '../support/hostilePeer'
import { createFirstProfile, launch, PHONE, sendMessage, shot } from './harness'
import { closeSettings, openDevice, openSyncSettings, processNow, scrollToSync, startSyncing, waitSynced, type Device } from './syncDevices'

/**
 * A hostile peer: it holds the space's token (a leaked pairing link, or an old or buggy build) and
 * writes records of the wrong shape straight into the Y documents over the real sync server, with
 * no schema of its own. The running app must stay usable, keep showing what is valid, and say in
 * Settings, Sync what it could not read.
 */

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

async function openDrawerTab(page: Page, tab: 'Memories' | 'Profile' | 'Conflicts'): Promise<void> {
  // The drawer toggle is there once the app shows the profile; the tabs are there when the drawer is open.
  await page.getByRole('button', { name: 'Memory' }).waitFor()
  const tabButton = page.getByRole('tab', { name: tab })
  if (!(await tabButton.isVisible())) await page.getByRole('button', { name: 'Memory' }).click()
  await tabButton.click()
}

const unreadable = (page: Page) => page.getByTestId('unreadable-records')

test(
  'malformed records from a hostile peer: the app stays usable, valid data stays, Settings → Sync lists what could not be read',
  { timeout: 240_000 },
  async () => {
    const a = await openDevice(browser, 'A')
    const peerErrors: string[] = []
    a.page.on('pageerror', (e) => peerErrors.push(e.message))

    // Valid data first: Sam with a chat and a memory, and a second profile, Alex.
    await createFirstProfile(a.page, 'Sam Rivers', 'sam')
    await sendMessage(a.page, "I'm allergic to peanuts.")
    await processNow(a.page, /Memory updated: 1 new/)
    await a.page.getByRole('button', { name: /Profile: Sam Rivers/ }).click()
    await a.page.getByRole('menuitem', { name: 'New profile' }).click()
    const create = a.page.getByRole('dialog', { name: 'New profile' })
    await create.getByLabel('Your name').fill('Alex Stone')
    await create.getByLabel('User id').fill('alex')
    await create.getByRole('button', { name: 'Create profile' }).click()
    await a.page.getByRole('button', { name: /Profile: Alex Stone/ }).waitFor()
    await a.page.getByRole('button', { name: /Profile: Alex Stone/ }).click()
    await a.page.getByRole('menuitemradio', { name: /Sam Rivers/ }).click()
    await a.page.getByRole('button', { name: /Profile: Sam Rivers/ }).waitFor()
    await a.page.locator('.message-user .message-text', { hasText: 'peanuts' }).waitFor()

    const link = await startSyncing(a.page)
    await closeSettings(a.page)
    await waitSynced(a.page)

    // The peer reads the space as the server has it, and writes what no honest build would.
    const { url, spaceId, secret } = parsePairingLink(link)
    const peer = new HostilePeer(url, spaceId, await deriveSpaceToken(spaceId, secret), WebSocket)
    try {
      const space = await peer.open('space')
      const sam = uidOf(space.doc, 'sam')
      const samDoc = await peer.open(`user/${sam}`)
      const alexDoc = await peer.open(`user/${uidOf(space.doc, 'alex')}`)
      // Sam's chat and its messages are in the part of the month it was started in
      const [samPart] = partsOf(space.doc.getMap(PARTS_YMAP), sam)
      const samHistory = await peer.open(partDocName(sam, samPart))
      const messages = samHistory.doc.getMap('messages')
      const memories = samDoc.doc.getMap('memories')
      await waitUntil(() => messages.size > 0 && memories.size > 0, "Sam's message and memory on the server")
      const validMessage = plainCopy([...messages.values()][0])
      const validMemory = plainCopy([...memories.values()][0])
      const seq = Number(validMessage.seq) || 0

      const badIds = { date: uuidv7(), content: uuidv7(), memory: uuidv7() }
      samHistory.doc.transact(() => {
        messages.set(badIds.date, { ...validMessage, messageId: badIds.date, seq: seq + 1, content: 'A message from an old phone', timestamp: 'not-a-date' })
        messages.set(badIds.content, { ...validMessage, messageId: badIds.content, seq: seq + 2, content: { $$typeof: 'react.element', text: 'an object' } })
      })
      samDoc.doc.transact(() => {
        const memory = new Y.Map<unknown>()
        for (const [k, v] of Object.entries({ ...validMemory, memoryId: badIds.memory, chainId: badIds.memory, content: 'Likes spicy food', categories: 'food' })) memory.set(k, v)
        memories.set(badIds.memory, memory)
      })
      alexDoc.doc.getMap('profile').set('name', 42)
      await Promise.all([samDoc.flush(), samHistory.flush(), alexDoc.flush()])

      // The app learns of it without a reload: the sync pill counts the records it could not read.
      const pill = a.page.getByRole('button', { name: /^Sync: .*4 records from another device could not be read/ })
      await pill.waitFor({ timeout: 30_000 })
      expect(await a.page.locator('.sync-pill-badge').innerText()).toBe('4')

      // Still usable, and what was valid is all there.
      await expect.poll(() => a.page.locator('.message-user .message-text').allInnerTexts()).toEqual(["I'm allergic to peanuts."])
      // (Sam's chat was processed: sending starts a new chat, listed above the first.)
      await sendMessage(a.page, 'I have a dog named Rex.')
      await expect.poll(() => a.page.locator('.session-title').allInnerTexts()).toEqual(['I have a dog named Rex.', "I'm allergic to peanuts."])
      await openDrawerTab(a.page, 'Memories')
      await expect.poll(() => a.page.locator('.memory-card .memory-content').allInnerTexts()).toEqual([expect.stringMatching(/peanuts/i)])
      await openDrawerTab(a.page, 'Profile')
      await expect.poll(() => a.page.getByRole('tabpanel').getByLabel('User id').inputValue()).toBe('sam')
      expect(await a.page.locator('[data-panel-error]').count()).toBe(0)

      // Settings → Sync: the count, and behind the disclosure each record, whose it is and what was wrong.
      const section = await openSyncSettings(a.page)
      const box = unreadable(a.page)
      await expect.poll(() => box.locator('.sync-problem-title').innerText()).toBe('4 records from another device could not be read')
      await box.getByText('What could not be read').click()
      const items = box.locator('.sync-unreadable-list li')
      await expect.poll(() => items.count()).toBe(4)
      const texts = await items.allInnerTexts()
      const byKind = (kind: string) => texts.filter((t) => t.startsWith(kind))
      expect(byKind('A message of sam')).toHaveLength(2)
      expect(byKind('A memory of sam')).toHaveLength(1)
      expect(byKind('A profile of alex')).toHaveLength(1)
      expect(texts.join('\n')).toMatch(/timestamp/)
      expect(texts.join('\n')).toMatch(/content/)
      expect(texts.join('\n')).toMatch(/categories/)
      expect(texts.join('\n')).toMatch(/name/)
      expect(texts.join('\n')).toContain(badIds.memory)
      await scrollToSync(a.page)
      await box.scrollIntoViewIfNeeded()
      await shot(a.page, 'hostile-peer-unreadable-records')
      expect(await section.isVisible()).toBe(true)

      // A later valid write of the same record is read again: the memory shows and its problem goes.
      const fixed = memories.get(badIds.memory) as Y.Map<unknown>
      fixed.set('categories', ['food'])
      await samDoc.flush()
      await expect.poll(() => box.locator('.sync-problem-title').innerText(), { timeout: 30_000 }).toBe('3 records from another device could not be read')
      await closeSettings(a.page)
      await openDrawerTab(a.page, 'Memories')
      await expect.poll(() => a.page.locator('.memory-card .memory-content').allInnerTexts(), { timeout: 20_000 }).toContain('Likes spicy food')
    } finally {
      peer.close()
    }

    // Nothing the peer sent reached the page as an uncaught error.
    expect(peerErrors).toEqual([])

    // The same list on a phone.
    await phoneList(a)
    await a.context.close()
  },
)

async function phoneList(a: Device): Promise<void> {
  await a.page.setViewportSize(PHONE)
  await a.page.getByRole('button', { name: /^Sync: / }).click()
  const box = unreadable(a.page)
  await box.waitFor()
  const details = box.locator('details')
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await box.getByText('What could not be read').click()
  await scrollToSync(a.page)
  await box.scrollIntoViewIfNeeded()
  await shot(a.page, 'hostile-peer-unreadable-records')
  await closeSettings(a.page)
}

test('a panel that fails to render shows its card (Reload, Export backup) and the rest of the app keeps working', { timeout: 180_000 }, async () => {
  for (const viewport of [undefined, PHONE]) {
    const a = await openDevice(browser, 'A', viewport)
    await createFirstProfile(a.page, 'Sam Rivers', 'sam')
    await sendMessage(a.page, "I'm allergic to peanuts.")

    // A render error inside the profile panel, as a record of a shape it does not expect would
    // cause: the metadata editor's pretty-printing throws for one object.
    await a.page.evaluate(() => {
      const stringify = JSON.stringify
      JSON.stringify = function (value: unknown, replacer?: unknown, space?: unknown) {
        if (space === 2 && value && typeof value === 'object' && Object.hasOwn(value, 'renderTrap')) throw new TypeError('metadata.renderTrap: cannot be shown')
        return stringify.call(JSON, value, replacer as never, space as never)
      } as typeof JSON.stringify
    })
    await openDrawerTab(a.page, 'Profile')
    await a.page.getByLabel('JSON object').fill('{"renderTrap": true}')

    const card = a.page.locator('[data-panel-error="The profile"]')
    await card.waitFor()
    expect(await card.locator('.panel-error-title').innerText()).toBe('The profile could not be shown')
    expect(await card.locator('.panel-error-message').innerText()).toBe('metadata.renderTrap: cannot be shown')
    const reload = card.getByRole('button', { name: 'Reload' })
    const exportButton = card.getByRole('button', { name: 'Export backup' })
    expect(await reload.isVisible()).toBe(true)
    await shot(a.page, 'panel-error-card')

    // Keyboard: Tab reaches both buttons.
    await reload.focus()
    await a.page.keyboard.press('Tab')
    expect(await exportButton.evaluate((b) => b === document.activeElement)).toBe(true)

    // Export backup downloads the whole space.
    const [download] = await Promise.all([a.page.waitForEvent('download'), exportButton.click()])
    expect(download.suggestedFilename()).toMatch(/^keepsake-.*\.json$/)
    await card.getByRole('status').filter({ hasText: /^Saved keepsake-.*\.json to your downloads\.$/ }).waitFor()

    // The other tabs and the chat still work.
    await openDrawerTab(a.page, 'Memories')
    await a.page.getByRole('tabpanel').waitFor()
    if (viewport === PHONE) await a.page.getByRole('button', { name: 'Back to chat' }).click()
    await sendMessage(a.page, 'I have a dog named Rex.')

    // Coming back to the tab tries it again: the stored metadata shows; the same input fails the same way.
    await openDrawerTab(a.page, 'Profile')
    await a.page.getByLabel('JSON object').waitFor()
    expect(await card.count()).toBe(0)
    await a.page.getByLabel('JSON object').fill('{"renderTrap": true}')
    await card.waitFor()

    // Reload reads everything again: the profile panel is back.
    await Promise.all([a.page.waitForEvent('load'), card.getByRole('button', { name: 'Reload' }).click()])
    await a.page.getByRole('textbox', { name: 'Message' }).waitFor()
    await openDrawerTab(a.page, 'Profile')
    await a.page.getByLabel('JSON object').waitFor()
    expect(await a.page.locator('[data-panel-error]').count()).toBe(0)
    await a.context.close()
  }
})
