import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, launch, openApp, PHONE, sendMessage, shot } from './harness'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

const cards = (page: Page) => page.locator('.memory-card')
const cardTexts = (page: Page) => page.locator('.memory-card .memory-content').allInnerTexts()

async function processNow(page: Page, expected: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Process now' }).click()
  await page.locator('.inline-notice', { hasText: expected }).waitFor()
}

test('process a chat; search, filter, versions, source messages, delete a version and several memories', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Ada Lovelace')
  await page.getByText('No memories yet').waitFor()

  await sendMessage(page, "I'm allergic to peanuts.")
  await sendMessage(page, 'I live in Paris.')
  await processNow(page, /Memory updated: 2 new/)
  await expect.poll(() => cards(page).count()).toBe(2)
  expect((await cardTexts(page)).join(' ')).toMatch(/peanut/i)
  expect((await cardTexts(page)).join(' ')).toMatch(/Paris/)
  expect(await page.locator('.session-item .badge').first().innerText()).toContain('Processed')

  // Search and category chips narrow the list.
  await page.getByRole('searchbox', { name: 'Search memories' }).fill('paris')
  await expect.poll(() => cards(page).count()).toBe(1)
  await page.getByRole('searchbox', { name: 'Search memories' }).fill('')
  const chip = page.locator('.chips .chip', { hasText: 'allergies' })
  await chip.click()
  await expect.poll(() => cards(page).count()).toBe(1)
  await chip.click()
  await expect.poll(() => cards(page).count()).toBe(2)

  // A processed chat takes no more messages: writing starts a new chat.
  await page.getByText('sending starts a new chat').waitFor()
  await sendMessage(page, 'I moved to Berlin last week.')
  await expect.poll(() => page.locator('.session-item').count()).toBe(2)
  await processNow(page, /Memory updated: 1 changed/)
  const berlin = cards(page).filter({ hasText: 'Berlin' })
  await berlin.getByRole('button', { name: /^v2/ }).click()
  const timeline = berlin.getByRole('list', { name: 'Versions' })
  await timeline.waitFor()
  expect(await timeline.innerText()).toMatch(/Paris/)
  expect(await timeline.innerText()).toMatch(/Changed over time/)
  await shot(page, 'memories')
  await page.setViewportSize(PHONE)
  await page.getByRole('button', { name: 'Memory' }).click()
  await page.getByRole('dialog', { name: 'Memory and profile' }).waitFor()
  await shot(page, 'memories-sheet')
  await page.getByRole('button', { name: 'Back to chat' }).click()
  await page.setViewportSize(DESKTOP)

  // "From this chat" opens the chat the memory was drawn from and marks its source message.
  await cards(page).filter({ hasText: /peanut/i }).getByRole('button', { name: 'From this chat' }).click()
  await page.locator('.message.highlighted', { hasText: 'peanuts' }).waitFor()
  expect(await page.locator('.conversation-title').innerText()).toBe("I'm allergic to peanuts.")

  // Deleting the live version makes the earlier one current again.
  await berlin.getByRole('button', { name: /^Delete:/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete version 2?' })
  await dialog.waitFor()
  await shot(page, 'delete-version')
  await dialog.getByRole('button', { name: 'Delete this version' }).click()
  await expect.poll(async () => (await cardTexts(page)).join(' ')).toMatch(/Paris/)
  expect((await cardTexts(page)).join(' ')).not.toMatch(/Berlin/)

  // Select both and delete them with their history.
  for (const box of await page.getByRole('checkbox', { name: /^Select:/ }).all()) await box.check()
  await page.getByText('2 memories selected').waitFor()
  await shot(page, 'memories-selected')
  await page.getByRole('button', { name: 'Delete 2' }).click()
  await page.getByRole('dialog', { name: 'Delete 2 memories?' }).getByRole('button', { name: 'Delete 2 memories' }).click()
  await page.getByText('No memories yet').waitFor()

  await page.reload()
  await page.getByText('No memories yet').waitFor()
  // (the chat list loads beside the memories, not before them)
  await expect.poll(() => page.locator('.session-item').count()).toBe(2)

  await page.setViewportSize(PHONE)
  await page.getByRole('button', { name: 'Memory' }).click()
  await page.getByRole('dialog', { name: 'Memory and profile' }).waitFor()
  await shot(page, 'memories-empty-sheet')
  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('correct a memory in place, add one by hand, and undo a deletion', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Mary Shelley')
  await sendMessage(page, 'I live in Geneva.')
  await processNow(page, /Memory updated: 1 new/)
  await expect.poll(() => cards(page).count()).toBe(1)
  const geneva = cards(page).filter({ hasText: 'Geneva' })
  const original = await geneva.locator('.memory-content').innerText()

  // Edit in place: the text box opens with the memory, Escape leaves it unchanged.
  await geneva.getByRole('button', { name: /^Edit:/ }).click()
  const box = page.getByRole('textbox', { name: 'Memory' })
  expect(await box.inputValue()).toBe(original)
  await page.keyboard.press('Escape')
  await expect.poll(() => box.count()).toBe(0)
  expect(await geneva.locator('.memory-content').innerText()).toBe(original)
  // keyboard: the edit button has focus again
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Edit: ${original}`)

  await geneva.getByRole('button', { name: /^Edit:/ }).click()
  await box.fill('User lives in Geneva, near the lake')
  await shot(page, 'memory-edit')
  await page.keyboard.press('Control+Enter')
  const edited = cards(page).filter({ hasText: 'near the lake' })
  await edited.waitFor()
  await page.getByText('Saved as version 2').waitFor()
  expect(await edited.locator('.memory-footer').innerText()).toMatch(/Edited by you/)
  await edited.getByRole('button', { name: /^v2/ }).click()
  const timeline = edited.getByRole('list', { name: 'Versions' })
  await timeline.waitFor()
  expect(await timeline.innerText()).toContain(original)
  expect(await timeline.innerText()).toMatch(/Edited by you on/)

  // Add one by hand, with a category.
  await page.getByRole('button', { name: 'Add a memory' }).click()
  await page.getByRole('textbox', { name: 'Memory' }).fill('User is writing a novel about a scientist')
  await page.getByRole('combobox', { name: 'Add a category' }).selectOption('goals')
  await page.getByRole('group', { name: 'Categories' }).getByRole('button', { name: 'Remove category goals' }).waitFor()
  await page.getByRole('button', { name: 'Add memory' }).click()
  const novel = cards(page).filter({ hasText: 'writing a novel' })
  await novel.waitFor()
  expect(await novel.innerText()).toMatch(/goals/)
  expect(await novel.locator('.memory-footer').innerText()).toMatch(/Added by you/)
  await expect.poll(() => cards(page).count()).toBe(2)

  // Delete, then undo from the notice: the memory is back with its history.
  await edited.getByRole('button', { name: /^Delete:/ }).click()
  await page.getByRole('dialog', { name: 'Delete version 2?' }).getByRole('button', { name: /Delete with history/ }).click()
  await expect.poll(() => cards(page).count()).toBe(1)
  await shot(page, 'memory-deleted-undo')
  await page.locator('.notice', { hasText: 'Memory deleted' }).getByRole('button', { name: 'Undo' }).click()
  await page.getByText('Restored').waitFor()
  await expect.poll(() => cards(page).count()).toBe(2)
  const back = cards(page).filter({ hasText: 'near the lake' })
  expect(await back.getByRole('button', { name: /^v2/ }).innerText()).toMatch(/v2/)

  // It is stored: a reload shows the edit, the hand-written memory, and the history.
  await page.reload()
  await expect.poll(() => cards(page).count()).toBe(2)
  expect((await cardTexts(page)).sort()).toEqual(['User is writing a novel about a scientist', 'User lives in Geneva, near the lake'])
  await page.setViewportSize(PHONE)
  await page.getByRole('button', { name: 'Memory' }).click()
  await page.getByRole('dialog', { name: 'Memory and profile' }).waitFor()
  await cards(page).filter({ hasText: 'near the lake' }).getByRole('button', { name: /^Edit:/ }).click()
  await shot(page, 'memory-edit')
  await page.keyboard.press('Escape')
  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('a contradiction becomes a question in the chat; one tap settles it', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Grace Hopper')
  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('switch', { name: /contradicts an earlier memory/ }).check()
  await page.getByText('Keepsake will ask about contradictions').waitFor()
  await page.keyboard.press('Escape')

  await sendMessage(page, "I'm vegetarian.")
  await processNow(page, /Memory updated: 1 new/)
  await page.getByRole('button', { name: 'New chat' }).click()
  await sendMessage(page, 'I eat meat every day.')
  await processNow(page, /question for you/)
  const card = page.locator('.conversation .conflict-card')
  await card.waitFor()
  expect(await card.innerText()).toMatch(/vegetarian/i)
  expect(await card.innerText()).toMatch(/meat/i)
  await page.getByRole('button', { name: 'Conflicts: 1 waiting for your answer' }).waitFor()
  await cards(page).filter({ hasText: /vegetarian/i }).getByText(/waiting for your answer/).waitFor()
  await shot(page, 'conflict-in-chat')

  await page.getByRole('tab', { name: 'Conflicts' }).click()
  await page.getByText('Waiting for you (1)').waitFor()
  await shot(page, 'conflicts')
  await page.setViewportSize(PHONE)
  await card.scrollIntoViewIfNeeded()
  await shot(page, 'conflict-in-chat')
  await page.setViewportSize(DESKTOP)

  // One tap on an option (with a note) settles it.
  await card.getByLabel(/Note/).fill('I started eating meat this year.')
  await card.locator('.option').last().click()
  await expect.poll(() => page.locator('.conversation .conflict-card').count()).toBe(0)
  await page.getByRole('heading', { name: 'Settled' }).waitFor()
  expect(await page.locator('.conflicts-panel .conflict-outcome').innerText()).toMatch(/You answered/)
  await page.getByRole('button', { name: 'Conflicts: none waiting' }).waitFor()
  await shot(page, 'conflicts-settled')
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.getByRole('tab', { name: 'Memories' }).click()
  await shot(page, 'memories-dark')
  await page.emulateMedia({ colorScheme: 'light' })

  await page.setViewportSize(PHONE)
  await page.getByRole('button', { name: 'Memory' }).click()
  await shot(page, 'conflicts-sheet')
  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('settings: categories with validation, and deleting the profile', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Alan Turing', 'alan')
  await page.getByRole('button', { name: 'Settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  await dialog.getByRole('button', { name: 'Add category' }).click()
  const rows = dialog.locator('.category-row')
  const last = rows.last()
  await last.getByRole('textbox', { name: /name$/ }).fill('Board Games')
  await dialog.getByText('Use lowercase letters, digits and _').waitFor()
  expect(await dialog.getByRole('button', { name: 'Save categories' }).isDisabled()).toBe(true)
  await last.getByRole('textbox', { name: /name$/ }).fill('board_games')
  await last.getByRole('textbox', { name: /description$/ }).fill('Chess, go and other games')
  await dialog.getByRole('button', { name: 'Save categories' }).click()
  await page.getByText('Categories saved').waitFor()
  await shot(page, 'settings')

  await page.reload()
  await page.getByRole('button', { name: 'Settings' }).click()
  await dialog.waitFor()
  await page.setViewportSize(PHONE)
  await shot(page, 'settings')
  await page.setViewportSize(DESKTOP)
  expect(await dialog.locator('.category-row').last().getByRole('textbox', { name: /name$/ }).inputValue()).toBe('board_games')

  await dialog.getByRole('button', { name: 'Delete profile…' }).click()
  const confirm = page.getByRole('dialog', { name: /Delete “Alan Turing”/ })
  await confirm.waitFor()
  expect(await confirm.getByRole('button', { name: 'Delete profile' }).isDisabled()).toBe(true)
  await confirm.getByLabel(/to confirm/).fill('alan')
  await shot(page, 'delete-profile')
  await confirm.getByRole('button', { name: 'Delete profile' }).click()
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  expect(appErrors(page)).toEqual([])
  await context.close()
})
