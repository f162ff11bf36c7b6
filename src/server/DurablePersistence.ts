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
  constructor(private readonly store: DocumentStore) {}

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    const updates = await this.store.load(documentName)
    if (updates.length) Y.applyUpdate(document, updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates))
  }

  async onStoreDocument({ documentName, document }: onStoreDocumentPayload): Promise<void> {
    await this.store.fold(documentName, document)
  }

  /**
   * A device that opens a document this server already has loaded gets what other servers logged
   * and this one has not heard of (through Redis, normally, within milliseconds; not after one of
   * them was killed mid-publish).
   */
  async connected({ documentName, connection }: connectedPayload): Promise<void> {
    await this.store.catchUp?.(documentName, connection.document)
  }
}
