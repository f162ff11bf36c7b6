/** Phones get full-screen sheets instead of side panels (the breakpoint of styles/layout.css). */
export const PHONE_QUERY = '(max-width: 760px)'
/** Wide enough to show the memory drawer beside the conversation from the start. */
export const WIDE_QUERY = '(min-width: 1100px)'

export const matches = (query: string) => typeof window !== 'undefined' && window.matchMedia(query).matches
