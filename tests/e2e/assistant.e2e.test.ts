import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { serveScriptedWorker } from './doubles/serveScriptedWorker'
import { appErrors, createFirstProfile, DESKTOP, launch, openApp, PHONE, sendMessage, shot } from './harness'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
})

async function processNow(page: Page, expected: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Process now' }).click()
  await page.locator('.inline-notice', { hasText: expected }).waitFor()
}

const enginePill = (page: Page) => page.getByRole('button', { name: /^AI engine:/ })

test('the context the assistant gets holds the latest memory and its earlier version; the chat says why there are no replies', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Ada Lovelace')

  // (b) With the rules engine there are no replies, and the chat pane says why and what still works.
  const status = page.getByRole('status', { name: 'Assistant replies' })
  await status.waitFor()
  expect(await status.innerText()).toMatch(/No replies from the assistant here/)
  expect(await status.innerText()).toMatch(/not loaded|software renderer|no WebGPU/i)
  expect(await status.innerText()).toMatch(/What still works: your messages are saved/)
  await sendMessage(page, 'I live in Paris.')
  expect(await page.locator('.message-assistant').count()).toBe(0)
  expect(await page.locator('.notice-error').count()).toBe(0)
  await expect.poll(() => status.isVisible()).toBe(true)
  await shot(page, 'assistant-unavailable')
  await processNow(page, /Memory updated: 1 new/)

  // A processed chat starts a new one when continued.
  await sendMessage(page, 'I moved to Berlin last week.')
  await expect.poll(() => page.locator('.session-item').count()).toBe(2)
  await processNow(page, /Memory updated: 1 changed/)

  // (a) "Show context" renders session.getContext({ query }) as text.
  await page.getByRole('button', { name: 'Show context' }).click()
  const dialog = page.getByRole('dialog', { name: 'What the assistant is given' })
  await dialog.waitFor()
  await dialog.getByRole('searchbox', { name: 'Question' }).fill('where do I live?')
  await dialog.getByRole('button', { name: 'Show' }).click()
  // the summary names the words searched for: the answer to this question is shown
  await expect.poll(() => dialog.locator('.context-summary').innerText(), { timeout: 5000 }).toMatch(/searched for .*live/)
  await shot(page, 'context')
  await page.setViewportSize(PHONE)
  await shot(page, 'context')
  await page.setViewportSize(DESKTOP)
  const contextText = await dialog.getByLabel('Context', { exact: true }).innerText()
  expect(contextText).toMatch(/## Relevant memories\n[\s\S]*Berlin/)
  // the earlier version of the same memory, marked as such
  expect(contextText).toMatch(/Earlier versions:\s*\n\s*- v1: .*Paris/)
  expect(await dialog.locator('.context-summary').innerText()).toMatch(/1 memory/)
  // as text, never HTML
  expect(await dialog.locator('.context-text *').count()).toBe(0)
  await page.setViewportSize(PHONE)
  await page.keyboard.press('Escape')
  await page.getByText('No replies from the assistant here').waitFor()
  await shot(page, 'assistant-unavailable')
  await page.setViewportSize(DESKTOP)

  expect(appErrors(page)).toEqual([])
  await context.close()
})

test('model manager: WebGPU status, the models, and a download that fails cleanly without internet', async () => {
  const { context, page } = await openApp(browser, DESKTOP)
  await createFirstProfile(page, 'Grace Hopper')
  expect(await enginePill(page).innerText()).toMatch(/Rules/)

  await enginePill(page).click()
  const dialog = page.getByRole('dialog', { name: 'AI model' })
  await dialog.waitFor()
  const gpu = dialog.locator('.gpu-status')
  await expect.poll(() => gpu.innerText()).toMatch(/WebGPU/)
  const gpuText = await gpu.innerText()
  // headless Chromium offers a software adapter (SwiftShader) with --enable-unsafe-webgpu
  expect(gpuText).toMatch(/WebGPU: .+|WebGPU: not available/)
  expect(gpuText).not.toMatch(/Checking/)
  expect(await dialog.getByText('In use:').innerText()).toMatch(/Built-in rules engine/)
  const download = dialog.getByRole('button', { name: /^(Download|Try again) Qwen2\.5-1\.5B-Instruct/ })
  await download.waitFor()
  expect(await dialog.locator('.model-row').first().innerText()).toMatch(/Recommended[\s\S]*|needs about/)
  expect(await dialog.locator('.model-storage').innerText()).toMatch(/No model is downloaded/)
  await shot(page, 'model-manager')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot(page, 'model-manager-dark')
  await page.emulateMedia({ colorScheme: 'light' })

  // No internet here: the download fails with the engine's message, and the rules engine stays.
  await download.click()
  const failure = dialog.locator('.model-failure')
  await failure.waitFor({ timeout: 60_000 })
  expect(await failure.innerText()).toMatch(/couldn.t be downloaded|offline|did not answer/i)
  expect(await failure.innerText()).toMatch(/internet/i)
  expect(await enginePill(page).innerText()).toMatch(/Rules/)
  expect(await dialog.getByText('In use:').innerText()).toMatch(/Built-in rules engine/)
  await shot(page, 'model-download-failed')
  await page.setViewportSize(PHONE)
  await shot(page, 'model-download-failed')
  await page.keyboard.press('Escape')

  // The chat pane gives that reason too.
  await expect.poll(() => page.getByRole('status', { name: 'Assistant replies' }).innerText()).toMatch(/couldn.t be downloaded|offline|did not answer/i)
  await shot(page, 'assistant-download-failed')
  await page.setViewportSize(DESKTOP)

  // The same manager is a section of Settings.
  await page.getByRole('button', { name: 'Settings', exact: true }).click()
  const settings = page.getByRole('dialog', { name: 'Settings' })
  await settings.getByRole('heading', { name: 'AI model' }).scrollIntoViewIfNeeded()
  await settings.locator('.gpu-status').waitFor()
  await shot(page, 'settings-model')

  expect(appErrors(page).filter((e) => !/huggingface|ERR_NAME_NOT_RESOLVED|Failed to load resource|net::/i.test(e))).toEqual([])
  await context.close()
})

test('with a model (scripted worker): download progress, cancel, then a reply streams in, Stop keeps what was written', async () => {
  // No service worker: it would answer the worker script from its cache, past page.route.
  const { context, page } = await openApp(browser, DESKTOP, 'light', { serviceWorkers: 'block' })
  await serveScriptedWorker(page)
  await createFirstProfile(page, 'Alan Turing')
  await sendMessage(page, 'I live in Paris.')
  await processNow(page, /Memory updated: 1 new/)

  await enginePill(page).click()
  const dialog = page.getByRole('dialog', { name: 'AI model' })
  const download = dialog.getByRole('button', { name: /^(Download|Try again) Qwen2\.5-1\.5B-Instruct/ })
  await download.waitFor()
  // software adapter: the manager says it would be slow, but lets the person try
  await download.click()
  await expect.poll(() => enginePill(page).innerText(), { timeout: 10_000 }).toBe('Downloading 45%')
  const progress = dialog.getByRole('group', { name: /Downloading Qwen2\.5-1\.5B-Instruct/ })
  expect(await progress.locator('progress').getAttribute('value')).toBe('45')
  expect(await progress.innerText()).toMatch(/450 MB of 1 GB/)
  await shot(page, 'model-downloading')
  await page.setViewportSize(PHONE)
  await shot(page, 'model-downloading')
  await page.setViewportSize(DESKTOP)

  // Cancel: back to the rules engine, no error.
  await progress.getByRole('button', { name: 'Cancel' }).click()
  await page.getByText('Download cancelled').waitFor()
  await expect.poll(() => enginePill(page).innerText(), { timeout: 5000 }).toBe('Rules')
  expect(await dialog.locator('.model-failure').count()).toBe(0)

  // Download again, to the end: the model is in use.
  await download.click()
  await expect.poll(() => enginePill(page).innerText(), { timeout: 15_000 }).toBe('Qwen2.5-1.5B-Instruct')
  expect(await dialog.getByText('In use:').innerText()).toMatch(/Qwen2\.5-1\.5B-Instruct/)
  await page.keyboard.press('Escape')
  await expect.poll(() => page.getByRole('status', { name: 'Assistant replies' }).count()).toBe(0)

  // A processed chat: the message starts a new chat, and the reply streams into it.
  await sendMessage(page, 'Where do I live?')
  const streaming = page.locator('.message-assistant.streaming')
  await streaming.waitFor()
  const stop = page.getByRole('button', { name: 'Stop the reply' })
  await stop.waitFor()
  expect(await page.getByRole('log', { name: 'Messages' }).getAttribute('aria-busy')).toBe('true')
  await expect.poll(async () => (await streaming.locator('.message-text').innerText()).length, { timeout: 5000 }).toBeGreaterThan(40)
  // No layout shift: the question above does not move while the reply grows.
  const question = page.locator('.message-user', { hasText: 'Where do I live?' })
  const before = await question.boundingBox()
  await page.waitForTimeout(500)
  const after = await question.boundingBox()
  expect(after?.y).toBe(before?.y)
  await shot(page, 'reply-streaming')
  await stop.click()
  await expect.poll(() => streaming.count(), { timeout: 5000 }).toBe(0)
  const replies = page.locator('.message-assistant:not(.streaming) .message-text')
  await expect.poll(() => replies.count()).toBe(1)
  const partial = await replies.first().innerText()
  expect(partial).toMatch(/^You asked: “Where do I live\?”\. I was given \d+ characters of memory context\./)
  expect(partial).not.toMatch(/it ends with this sentence\.$/)
  expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1)
  const afterStop = await question.boundingBox()
  expect(afterStop?.y).toBe(before?.y)

  // A reply left to finish is stored whole.
  await sendMessage(page, 'Thanks!')
  await page.locator('.message-assistant.streaming').waitFor()
  await page.setViewportSize(PHONE)
  await shot(page, 'reply-streaming')
  await page.setViewportSize(DESKTOP)
  await expect.poll(() => replies.count(), { timeout: 20_000 }).toBe(2)
  expect(await replies.nth(1).innerText()).toMatch(/^You asked: “Thanks!”[\s\S]*it ends with this sentence\.$/)
  await shot(page, 'reply-done')
  await page.emulateMedia({ colorScheme: 'dark' })
  await shot(page, 'reply-done-dark')
  await page.emulateMedia({ colorScheme: 'light' })

  // Stored: after a reload both replies are there (the model is reloaded from the saved choice).
  await page.reload()
  await expect.poll(() => page.locator('.message-assistant .message-text').count(), { timeout: 5000 }).toBe(2)

  expect(appErrors(page)).toEqual([])
  await context.close()
})
