import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { inject } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, launch, openApp, sendMessage } from './harness'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

const texts = (page: Page) => page.locator('.messages .message-text').allInnerTexts()

test('two tabs of one browser: a profile made in one shows in the other on the welcome screen, and messages reach the open conversation, without a reload', async () => {
  const { context, page: first } = await openApp(browser, DESKTOP)
  const second = await context.newPage()
  await second.goto(inject('baseURL'))
  // both on the welcome screen
  await first.getByRole('button', { name: 'Create my profile' }).waitFor()
  await second.getByRole('button', { name: 'Create my profile' }).waitFor()
  let reloads = 0
  second.on('framenavigated', (f) => {
    if (f === second.mainFrame()) reloads++
  })

  await createFirstProfile(first, 'Ada Lovelace', 'ada')
  // the second tab leaves the welcome screen by itself, showing Ada
  await second.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 10_000 })
  await second.getByRole('button', { name: /Profile: Ada Lovelace/ }).waitFor()

  // the first tab starts a chat; it shows in the second tab's list, which opens it
  await sendMessage(first, 'Hello from the first tab')
  const chat = second.locator('.session-item', { hasText: 'Hello from the first tab' })
  await chat.waitFor({ timeout: 10_000 })
  await chat.click()
  await second.locator('.message-text', { hasText: 'Hello from the first tab' }).waitFor()

  // a message sent in one tab appears in the other's open conversation
  await sendMessage(first, 'A second message, from the first tab')
  await second.locator('.message-text', { hasText: 'A second message, from the first tab' }).waitFor({ timeout: 10_000 })
  await sendMessage(second, 'And a reply typed in the second tab')
  await first.locator('.message-text', { hasText: 'And a reply typed in the second tab' }).waitFor({ timeout: 10_000 })

  // in order, each once, in both tabs
  const expected = ['Hello from the first tab', 'A second message, from the first tab', 'And a reply typed in the second tab']
  await expect.poll(() => texts(first)).toEqual(expected)
  await expect.poll(() => texts(second)).toEqual(expected)
  expect(reloads).toBe(0)
  expect(appErrors(first)).toEqual([])
  expect(appErrors(second)).toEqual([])
  await context.close()
})
