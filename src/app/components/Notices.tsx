import { useNoticeStore } from '../stores/noticeStore'
import { Icon } from './Icon'

/** Toasts at the bottom; the region is aria-live so screen readers hear every notice. */
export function Notices() {
  const notices = useNoticeStore((s) => s.notices)
  const dismiss = useNoticeStore((s) => s.dismiss)
  return (
    <div className="notices" aria-live="polite" aria-relevant="additions text">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          {n.action && (
            <button
              type="button"
              className="notice-action"
              onClick={() => {
                dismiss(n.id)
                n.action!.run()
              }}
            >
              {n.action.label}
            </button>
          )}
          <button type="button" className="icon-button small" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  )
}
