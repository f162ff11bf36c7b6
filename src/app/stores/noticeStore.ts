import { create } from 'zustand'

export type NoticeTone = 'info' | 'success' | 'error'

/** A button on a notice, e.g. "Undo": pressing it runs `run` and dismisses the notice. */
export interface NoticeAction {
  label: string
  run(): void
}

export interface Notice {
  id: number
  text: string
  tone: NoticeTone
  action?: NoticeAction
}

interface NoticeState {
  notices: Notice[]
  push(text: string, tone?: NoticeTone, action?: NoticeAction): void
  dismiss(id: number): void
}

let nextId = 1
const LIFETIME_MS = 4500
/** A notice with an action stays longer: time to read it and reach the button. */
const ACTION_LIFETIME_MS = 8000

/** Short-lived notices, read out by the aria-live region in <Notices>. Errors stay until dismissed. */
export const useNoticeStore = create<NoticeState>()((set, get) => ({
  notices: [],
  push(text, tone = 'info', action) {
    const id = nextId++
    set({ notices: [...get().notices.slice(-2), { id, text, tone, action }] })
    if (tone !== 'error') setTimeout(() => get().dismiss(id), action ? ACTION_LIFETIME_MS : LIFETIME_MS)
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) })
  },
}))

export const notify = (text: string, tone?: NoticeTone, action?: NoticeAction) => useNoticeStore.getState().push(text, tone, action)
