import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, launch, openApp, PHONE, sendMessage, shot } from './harness'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

test('create a user, send two messages, reload: the messages are still there', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  await shot(page, 'first-run')

  await page.getByLabel('Your name').fill('Ada Lovelace')
  expect(await page.getByLabel('User id').inputValue()).toBe('ada-lovelace')
  await page.getByRole('button', { name: 'Create my profile' }).click()
  await page.getByRole('textbox', { name: 'Message' }).waitFor()
  await expect.poll(() => page.getByText('Start a conversation').isVisible()).toBe(true)
  await shot(page, 'empty-chat')

  await sendMessage(page, "I'm allergic to peanuts.")
  // Shift+Enter makes a new line inside one message; Enter sends it.
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.fill('I moved to Berlin last week.')
  await box.press('Shift+Enter')
  await box.pressSequentially('<b>Not bold</b>')
  await box.press('Enter')
  await page.locator('.message-user').nth(1).waitFor()

  const texts = () => page.locator('.message-user .message-text').allInnerTexts()
  expect(await texts()).toEqual(["I'm allergic to peanuts.", 'I moved to Berlin last week.\n<b>Not bold</b>'])
  // Text, never HTML: the tags show as typed and make no element.
  expect(await page.locator('.message-text b').count()).toBe(0)
  expect(await page.getByRole('button', { name: /I'm allergic to peanuts/ }).count()).toBe(1)
  // No model here: the chat says why there are no replies (tests/e2e/assistant.e2e.test.ts has the details).
  await expect.poll(() => page.getByRole('status', { name: 'Assistant replies' }).isVisible()).toBe(true)
  await shot(page, 'conversation')

  await page.reload()
  await page.locator('.message-user').nth(1).waitFor()
  expect(await texts()).toEqual(["I'm allergic to peanuts.", 'I moved to Berlin last week.\n<b>Not bold</b>'])
  expect(await page.locator('.session-title').allInnerTexts()).toEqual(["I'm allergic to peanuts."])
  expect(await page.getByRole('button', { name: /Profile: Ada Lovelace/ }).count()).toBe(1)
  await shot(page, 'conversation-reloaded')

  // The same data on a phone: the chats list and the drawer are full-screen sheets.
  await page.setViewportSize(PHONE)
  await page.locator('.message-user').nth(1).waitFor()
  expect(await page.locator('.side-left').count()).toBe(0)
  await shot(page, 'conversation')
  await page.getByRole('button', { name: 'Chats' }).click()
  await page.getByRole('dialog', { name: 'Chats' }).waitFor()
  await shot(page, 'chats-sheet')
  await page.keyboard.press('Escape')
  await expect.poll(() => page.getByRole('dialog', { name: 'Chats' }).count()).toBe(0)

  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('first run on a phone, and the app in dark mode', async () => {
  const phone = await openApp(browser, PHONE)
  await phone.page.getByRole('heading', { name: 'Welcome to Keepsake' }).waitFor()
  await shot(phone.page, 'first-run')
  await phone.context.close()

  const { context, page } = await openApp(browser, DESKTOP, 'dark')
  await createFirstProfile(page, 'Grace Hopper')
  await sendMessage(page, 'I work as a compiler engineer and I love sailing on weekends.')
  await shot(page, 'conversation-dark')
  expect(appErrors(page)).toEqual([])
  await context.close()
})
