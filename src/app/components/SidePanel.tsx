import { useEffect, useRef, type ReactNode } from 'react'
import { useIsPhone } from '../hooks/useMediaQuery'
import { useUiStore, type Sheet } from '../stores/uiStore'
import { Icon } from './Icon'

interface SidePanelProps {
  side: 'left' | 'right'
  sheet: Exclude<Sheet, null>
  label: string
  /** Shown on a desktop; on a phone the panel shows only as a sheet. */
  shownOnDesktop: boolean
  children: ReactNode
}

/** A side column on a desktop, a full-screen sheet on a phone (Escape or Back closes it). */
export function SidePanel({ side, sheet, label, shownOnDesktop, children }: SidePanelProps) {
  const isPhone = useIsPhone()
  const sheetOpen = useUiStore((s) => s.sheet === sheet)
  const openSheet = useUiStore((s) => s.openSheet)
  const ref = useRef<HTMLElement>(null)
  const shown = isPhone ? sheetOpen : shownOnDesktop

  useEffect(() => {
    if (!isPhone || !sheetOpen) return
    const back = ref.current?.querySelector<HTMLButtonElement>('.sheet-back')
    back?.focus()
    const opener = document.activeElement as HTMLElement | null
    return () => opener?.focus?.()
  }, [isPhone, sheetOpen])

  if (!shown) return null
  return (
    <aside
      ref={ref}
      className={`side-panel side-${side}${isPhone ? ' sheet' : ''}`}
      aria-label={label}
      role={isPhone ? 'dialog' : undefined}
      aria-modal={isPhone ? true : undefined}
      onKeyDown={(e) => {
        if (isPhone && e.key === 'Escape') openSheet(null)
      }}
    >
      {isPhone && (
        <div className="sheet-header">
          <button type="button" className="button ghost sheet-back" onClick={() => openSheet(null)}>
            <Icon name="back" /> Back to chat
          </button>
        </div>
      )}
      {children}
    </aside>
  )
}
