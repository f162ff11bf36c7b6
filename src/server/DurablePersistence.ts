/**
 * The Hocuspocus extension that keeps documents in a DocumentStore. Loading applies the stored row
 * and the logged updates; storing (Hocuspocus's debounce, and on unload) folds the logged updates
 * into the row. The logging itself is not here: SyncServer's beforeHandleMessage appends each
 * accepted update before Hocuspocus applies it, which is what makes the acknowledgement durable.
 */
import type { Extension, onLoadDocumentPayload, onStoreDocumentPayload } from '@hocuspocus/server'
import * as Y from 'yjs'
import { containedIn, type DocumentStore } from './DocumentStore'

export class DurablePersistence implements Extension {
  constructor(private readonly store: DocumentStore) {}

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    const updates = await this.store.load(documentName)
    if (updates.length) Y.applyUpdate(document, updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates))
  }

  async onStoreDocument({ documentName, document }: onStoreDocumentPayload): Promise<void> {
    await storeDocument(this.store, documentName, document)
  }
}

/** The document's state as its row; the logged updates it holds are deleted from the log. */
export function storeDocument(store: DocumentStore, name: string, document: Y.Doc): Promise<void> {
  // (both taken at the same instant: what the row holds is what the snapshot says it holds)
  const state = Y.encodeStateAsUpdate(document)
  return store.fold(name, state, containedIn(document))
}
