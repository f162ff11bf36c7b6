import { act } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach } from 'vitest'

// React renders for real in Chromium; act() flushes its work before each assertion.
;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

/**
 * A fresh element and React root for each test of the file (registered as beforeEach/afterEach),
 * unmounted and removed after it. Read `host` and `root` inside the tests.
 */
export function reactHost(): { readonly host: HTMLDivElement; readonly root: Root } {
  let host!: HTMLDivElement
  let root!: Root
  beforeEach(() => {
    host = document.createElement('div')
    document.body.append(host)
    root = createRoot(host)
  })
  afterEach(() => {
    act(() => root.unmount())
    host.remove()
  })
  return {
    get host() {
      return host
    },
    get root() {
      return root
    },
  }
}
