import { useState } from 'react'
import type { Doc } from '../../index'
import { plural, shortDate } from '../lib/format'
import { useDocStore } from '../stores/docStore'
import { notify } from '../stores/noticeStore'
import { AddDocForm } from './AddDocForm'
import { ConfirmDialog } from './ConfirmDialog'
import { Dialog } from './Dialog'
import { EmptyState } from './EmptyState'
import { ErrorState } from './ErrorState'
import { Icon } from './Icon'
import { Skeleton } from './Skeleton'

/** Reference documents of the user (notes, a CV, a recipe collection): add, read, delete. */
export function DocsSection() {
  const { status, error, docs, load, remove } = useDocStore()
  const [adding, setAdding] = useState(false)
  const [viewing, setViewing] = useState<Doc | null>(null)
  const [deleting, setDeleting] = useState<Doc | null>(null)

  return (
    <section className="panel-section" aria-labelledby="docs-title" aria-busy={status === 'loading'}>
      <div className="section-header">
        <h3 id="docs-title" className="section-title">
          Documents
        </h3>
        {!adding && (
          <button type="button" className="button small" onClick={() => setAdding(true)}>
            <Icon name="plus" size={16} /> Add document
          </button>
        )}
      </div>
      {adding && <AddDocForm onDone={() => setAdding(false)} />}
      {status === 'loading' && <Skeleton lines={2} />}
      {status === 'error' && <ErrorState message={error ?? ''} onRetry={load} />}
      {status === 'ready' && docs.length === 0 && !adding && (
        <EmptyState title="No documents">Add notes the assistant may look things up in, such as a reading list or your CV.</EmptyState>
      )}
      <ul className="doc-list" role="list">
        {docs.map((d) => (
          <li key={d.docId} className="doc-item">
            <button type="button" className="doc-open" onClick={() => setViewing(d)}>
              <Icon name="doc" />
              <span className="doc-text">
                <span className="doc-title">{d.title}</span>
                <span className="muted">
                  {shortDate(d.createdAt)} · {plural(d.content.length, 'character')}
                </span>
              </span>
            </button>
            <button type="button" className="icon-button" aria-label={`Delete ${d.title}`} onClick={() => setDeleting(d)}>
              <Icon name="trash" />
            </button>
          </li>
        ))}
      </ul>
      <Dialog open={viewing !== null} title={viewing?.title ?? ''} onClose={() => setViewing(null)} size="wide">
        <p className="doc-content">{viewing?.content}</p>
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this document?"
        confirmLabel="Delete document"
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return
          await remove(deleting.docId)
          notify(`Deleted “${deleting.title}”`, 'success')
        }}
      >
        “{deleting?.title}” will be removed from this profile on all your devices. This cannot be undone.
      </ConfirmDialog>
    </section>
  )
}
