import { MemoryClient, type MemoryClientOptions } from '../../src/index'

let counter = 0
/** A fresh database name per test, so tests never see each other's data. */
export function freshDbName(prefix = 'test'): string {
  return `${prefix}-${Date.now()}-${counter++}-${Math.random().toString(36).slice(2, 8)}`
}

/** A clock a test can move. */
export function movableClock(start = '2025-01-08T10:00:00Z') {
  let t = new Date(start).getTime()
  return {
    now: () => new Date(t),
    set: (iso: string) => {
      t = new Date(iso).getTime()
    },
    advance: (seconds: number) => {
      t += seconds * 1000
    },
  }
}

export async function openClient(options: MemoryClientOptions = {}): Promise<MemoryClient> {
  return MemoryClient.open({ dbName: freshDbName(), ...options })
}

export const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')

/** Makes IndexedDB itself refuse add/put on one object store, as a full disk does. */
export function refuseAtIndexedDB(storeName: string, when: (value: unknown) => boolean = () => true): () => void {
  const proto = IDBObjectStore.prototype
  const add = proto.add
  const put = proto.put
  proto.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === storeName && when(value)) throw quota()
    return add.call(this, value, key)
  }
  proto.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === storeName && when(value)) throw quota()
    return put.call(this, value, key)
  }
  return () => {
    proto.add = add
    proto.put = put
  }
}
