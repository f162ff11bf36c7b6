/**
 * The Hocuspocus extension that keeps documents in a DocumentStore. Loading applies the stored row
 * and the logged updates; storing (Hocuspocus's debounce, and on unload) folds the logged updates
 * into the row. The logging itself is not here: SyncServer's beforeHandleMessage appends each
 * accepted update before Hocuspocus applies it, which is what makes the acknowledgement durable.
 */
import type { connectedPayload, Extension, onLoadDocumentPayload, onStoreDocumentPayload } from '@hocuspocus/server'
import * as Y from 'yjs'
import type { DocumentStore } from './DocumentStore'

export class DurablePersistence implements Extension {
  /** `onError` hears of a fold or catch-up that failed (they are retried; nothing is lost meanwhile). */
  constructor(
    private readonly store: DocumentStore,
    private readonly onError: (what: string, error: unknown) => void,
  ) {}

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    const updates = await this.store.load(documentName)
    if (updates.length) Y.applyUpdate(document, updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates))
  }

  /**
   * A fold that fails is reported, not thrown: every acknowledged update is in the log already, the
   * next store tries again, and Hocuspocus would rethrow it from a timer (an unhandled rejection,
   * which ends a Node process).
   */
  async onStoreDocument({ documentName, document }: onStoreDocumentPayload): Promise<void> {
    await this.store.fold(documentName, document).catch((error: unknown) => this.onError(`store "${documentName}"`, error))
  }

  /**
   * A device that opens a document this server already has loaded gets what other servers logged
   * and this one has not heard of (through Redis, normally, within milliseconds; not after one of
   * them was killed mid-publish).
   */
  async connected({ documentName, connection }: connectedPayload): Promise<void> {
    await this.store.catchUp?.(documentName, connection.document).catch((error: unknown) => this.onError(`catch "${documentName}" up`, error))
  }
}
