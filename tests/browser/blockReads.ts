/** Counts the message-block rows and messages IndexedDB hands out (get, getAll, cursors) while `fn` runs. */
export async function countBlockReads<T>(fn: () => Promise<T>): Promise<{ result: T; rows: number; messages: number }> {
  let rows = 0
  let messages = 0
  const count = (req: IDBRequest) => {
    req.addEventListener('success', () => {
      const v = req.result as unknown
      const list = Array.isArray(v) ? v : v instanceof IDBCursorWithValue ? [v.value] : v && typeof v === 'object' ? [v] : []
      for (const r of list) {
        if (r && Array.isArray((r as { messages?: unknown }).messages)) {
          rows++
          messages += (r as { messages: unknown[] }).messages.length
        }
      }
    })
    return req
  }
  const patched: [object, string, unknown][] = []
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype]) {
    for (const method of ['get', 'getAll', 'openCursor'] as const) {
      const orig = (proto as unknown as Record<string, (...a: unknown[]) => IDBRequest>)[method]
      patched.push([proto, method, orig])
      ;(proto as unknown as Record<string, unknown>)[method] = function (this: IDBObjectStore | IDBIndex, ...args: unknown[]) {
        const req = orig.apply(this, args)
        const store = this instanceof IDBIndex ? this.objectStore : this
        return store.name === 'messageBlocks' ? count(req) : req
      }
    }
  }
  try {
    return { result: await fn(), rows, messages }
  } finally {
    for (const [proto, method, orig] of patched) (proto as Record<string, unknown>)[method] = orig
  }
}

