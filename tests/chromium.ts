import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** The flags every Chromium launched by our tests needs on a closed network, as root. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
]

/**
 * Finds an installed Chromium: $CHROMIUM_PATH, then Debian's /usr/bin/chromium, then
 * Playwright's own download. The tests never download a browser themselves.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  for (const c of candidates) if (c && existsSync(c)) return c
  try {
    const { chromium } = require('playwright-core') as typeof import('playwright-core')
    const own = chromium.executablePath()
    if (own && existsSync(own)) return own
  } catch {
    /* fall through to the instruction below */
  }
  throw new Error(
    'No Chromium found: install one (Debian: `apt-get install -y chromium`) or set CHROMIUM_PATH to its executable.',
  )
}
