import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { appErrors, createFirstProfile, DESKTOP, launch, openApp, PHONE, shot } from './harness'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

test('profile: rename, metadata with validation, documents, a second user and switching', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Ada Lovelace')
  await page.getByRole('tab', { name: 'Profile' }).click()

  // Rename the user id and the name.
  await page.getByLabel('User id').fill('ada')
  await page.getByLabel('Name', { exact: true }).fill('Ada King')
  await page.getByLabel('About').fill('Mathematician. Writes notes on the Analytical Engine.')
  await page.getByRole('button', { name: 'Save profile' }).click()
  await page.getByText('Profile saved').waitFor()
  expect(await page.getByRole('button', { name: /Profile: Ada King/ }).count()).toBe(1)

  // Metadata: invalid JSON and a non-object are explained and cannot be saved.
  const meta = page.getByLabel('JSON object')
  await meta.fill('{"team": ')
  await page.getByText(/^Not valid JSON/).waitFor()
  expect(await page.getByRole('button', { name: 'Save metadata' }).isDisabled()).toBe(true)
  await meta.fill('[1, 2]')
  await page.getByText('Metadata must be a JSON object').waitFor()
  await meta.fill('{"timezone": "Europe/London", "tags": ["math"]}')
  await page.getByRole('button', { name: 'Save metadata' }).click()
  await page.getByText('Metadata saved').waitFor()

  // Documents: add, view (as text), delete after confirming.
  await page.getByRole('button', { name: 'Add document' }).click()
  await page.getByLabel('Title').fill('Note G')
  await page.getByLabel('Text').fill('An algorithm for Bernoulli numbers.\n<script>alert(1)</script>')
  await page.getByRole('button', { name: 'Add document' }).click()
  await page.getByRole('button', { name: /^Note G/ }).waitFor()
  await shot(page, 'profile')
  await page.getByRole('button', { name: /^Note G/ }).click()
  const docDialog = page.getByRole('dialog', { name: 'Note G' })
  await docDialog.waitFor()
  expect(await docDialog.locator('.doc-content').innerText()).toContain('<script>alert(1)</script>')
  await shot(page, 'document')
  await page.keyboard.press('Escape')
  await page.getByRole('button', { name: 'Delete Note G' }).click()
  await page.getByRole('dialog', { name: 'Delete this document?' }).waitFor()
  await shot(page, 'confirm-delete-document')
  await page.getByRole('button', { name: 'Delete document' }).click()
  await page.getByText('No documents').waitFor()

  // Everything is still there after a reload.
  await page.reload()
  await page.getByRole('tab', { name: 'Profile' }).click()
  expect(await page.getByLabel('User id').inputValue()).toBe('ada')
  expect(await page.getByLabel('About').inputValue()).toContain('Analytical Engine')
  expect(JSON.parse(await page.getByLabel('JSON object').inputValue())).toEqual({ timezone: 'Europe/London', tags: ['math'] })

  // A second profile from the switcher; a taken user id shows the typed error's message.
  await page.getByRole('button', { name: /Profile: Ada King/ }).click()
  await shot(page, 'user-menu')
  await page.getByRole('menuitem', { name: 'New profile' }).click()
  const dialog = page.getByRole('dialog', { name: 'New profile' })
  await dialog.getByLabel('Your name').fill('Ada')
  await dialog.getByRole('button', { name: 'Create profile' }).click()
  await dialog.getByText('A user with id "ada" already exists').waitFor()
  await shot(page, 'new-profile-error')
  await dialog.getByLabel('User id').fill('charles')
  await dialog.getByLabel('Your name').fill('Charles Babbage')
  await dialog.getByRole('button', { name: 'Create profile' }).click()
  await page.getByRole('button', { name: /Profile: Charles Babbage/ }).waitFor()
  await page.getByText('No chats yet').waitFor()

  // Switch back: Ada's profile shows again.
  await page.getByRole('button', { name: /Profile: Charles Babbage/ }).click()
  await page.getByRole('menuitemradio', { name: /Ada King/ }).click()
  await page.getByRole('button', { name: /Profile: Ada King/ }).waitFor()
  expect(await page.getByLabel('User id').inputValue()).toBe('ada')

  // The profile panel on a phone is a full-screen sheet.
  await page.setViewportSize(PHONE)
  await page.getByRole('button', { name: 'Memory' }).click()
  await page.getByRole('dialog', { name: 'Memory and profile' }).waitFor()
  await shot(page, 'profile-sheet')

  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('another tab sees new chats and messages without reloading', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Tab One')
  const other = await context.newPage()
  await other.goto(page.url())
  await other.getByRole('textbox', { name: 'Message' }).waitFor()

  await page.getByRole('textbox', { name: 'Message' }).fill('I live in Lisbon.')
  await page.getByRole('textbox', { name: 'Message' }).press('Enter')
  // The other tab lists the new chat; opening it shows the message.
  await other.getByRole('button', { name: /I live in Lisbon/ }).click({ timeout: 10_000 })
  await other.locator('.message-user .message-text', { hasText: 'I live in Lisbon.' }).waitFor()

  // A reply in the open chat of one tab appears in the other's open chat.
  await other.getByRole('textbox', { name: 'Message' }).fill('I work from home on Fridays.')
  await other.getByRole('textbox', { name: 'Message' }).press('Enter')
  await page.locator('.message-user .message-text', { hasText: 'I work from home on Fridays.' }).waitFor({ timeout: 10_000 })
  expect(await page.locator('.session-title').allInnerTexts()).toEqual(['I live in Lisbon.'])
  await context.close()
})
