/**
 * Reading a database with the raw IndexedDB API, past Dexie and Keepsake: what is really stored.
 * Used to check that a refused write left nothing, that an import changed nothing, and that a
 * deleted user's words are nowhere on disk.
 */

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

/** Resolves when the transaction has finished, so that closing its connection is immediate. */
function txDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = tx.onerror = () => reject(tx.error)
  })
}

/** Every [key, value] of every object store of the database. */
export async function readAllStores(name: string): Promise<Record<string, [IDBValidKey, unknown][]>> {
  const db = await req(indexedDB.open(name))
  try {
    const stores = [...db.objectStoreNames]
    const out: Record<string, [IDBValidKey, unknown][]> = {}
    if (!stores.length) return out
    const tx = db.transaction(stores, 'readonly')
    const done = txDone(tx)
    for (const s of stores) {
      const store = tx.objectStore(s)
      const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())])
      out[s] = keys.map((k, i) => [k, values[i]])
    }
    await done
    return out
  } finally {
    db.close()
  }
}

function serialise(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { bytes: Array.from(x, (b) => b.toString(16).padStart(2, '0')).join('') } : x))
}

/** Every key and value of every object store, serialised: equal dumps = the same bytes. */
export async function dumpDatabase(name: string): Promise<Record<string, string>> {
  const all = await readAllStores(name)
  return Object.fromEntries(Object.entries(all).map(([s, rows]) => [s, serialise(rows)]))
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/** Whether `text` is in a value: in its JSON, or in the bytes of any Uint8Array/ArrayBuffer read as UTF-8 (the Yjs log). */
export function valueContains(key: IDBValidKey, value: unknown, text: string): boolean {
  const bytes: Uint8Array[] = []
  const json = JSON.stringify([key, value], (_k, x) => {
    if (x instanceof Uint8Array) return bytes.push(x), null
    if (x instanceof ArrayBuffer) return bytes.push(new Uint8Array(x)), null
    return x
  })
  return json.includes(text) || bytes.some((b) => utf8.decode(b).includes(text))
}

/** Object store -> how many of its values contain `text`. */
export async function findInDatabase(name: string, text: string): Promise<{ stores: string[]; hits: Record<string, number>; values: number }> {
  const all = await readAllStores(name)
  const hits: Record<string, number> = {}
  let values = 0
  for (const [s, rows] of Object.entries(all)) {
    for (const [k, v] of rows) {
      values++
      if (valueContains(k, v, text)) hits[s] = (hits[s] ?? 0) + 1
    }
  }
  return { stores: Object.keys(all), hits, values }
}

export async function databaseContains(name: string, text: string): Promise<boolean> {
  return Object.keys((await findInDatabase(name, text)).hits).length > 0
}
