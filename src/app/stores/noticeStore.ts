import { create } from 'zustand'

export type NoticeTone = 'info' | 'success' | 'error'

export interface Notice {
  id: number
  text: string
  tone: NoticeTone
}

interface NoticeState {
  notices: Notice[]
  push(text: string, tone?: NoticeTone): void
  dismiss(id: number): void
}

let nextId = 1
const LIFETIME_MS = 4500

/** Short-lived notices, read out by the aria-live region in <Notices>. Errors stay until dismissed. */
export const useNoticeStore = create<NoticeState>()((set, get) => ({
  notices: [],
  push(text, tone = 'info') {
    const id = nextId++
    set({ notices: [...get().notices.slice(-2), { id, text, tone }] })
    if (tone !== 'error') setTimeout(() => get().dismiss(id), LIFETIME_MS)
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) })
  },
}))

export const notify = (text: string, tone?: NoticeTone) => useNoticeStore.getState().push(text, tone)
