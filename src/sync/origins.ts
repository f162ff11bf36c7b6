/** Origin of transactions made by this tab's own writes. */
export const LOCAL_ORIGIN = Symbol('keepsake:local')
/** Origin of updates read back from the IndexedDB log (written by this or another tab). */
export const LOG_ORIGIN = Symbol('keepsake:log')
