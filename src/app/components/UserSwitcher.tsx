import { useEffect, useId, useRef, useState } from 'react'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useUiStore } from '../stores/uiStore'
import { useUserStore, type UserView } from '../stores/userStore'
import { Icon } from './Icon'

function initial(u: UserView): string {
  return (u.name || u.userId).trim().charAt(0).toUpperCase() || '?'
}

/** The current profile; opens a menu to switch to another one or create a new one. */
export function UserSwitcher() {
  const users = useUserStore((s) => s.users)
  const current = useUserStore((s) => s.currentView)
  const select = useUserStore((s) => s.select)
  const openCreate = useUiStore((s) => s.setCreateUserOpen)
  const [open, setOpen] = useState(false)
  const root = useRef<HTMLDivElement>(null)
  const menuId = useId()

  useEffect(() => {
    if (!open) return
    root.current?.querySelector<HTMLButtonElement>('[role="menuitemradio"][aria-checked="true"], [role="menuitem"]')?.focus()
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('pointerdown', onDown)
    return () => document.removeEventListener('pointerdown', onDown)
  }, [open])

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      setOpen(false)
      root.current?.querySelector<HTMLButtonElement>('.user-button')?.focus()
    }
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault()
      const items = [...(root.current?.querySelectorAll<HTMLButtonElement>('.menu button') ?? [])]
      const at = items.indexOf(document.activeElement as HTMLButtonElement)
      items[(at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus()
    }
  }

  const choose = async (userId: string) => {
    setOpen(false)
    try {
      await select(userId)
    } catch (e) {
      notify(errorMessage(e), 'error')
    }
  }

  if (!current) return null
  return (
    <div
      className="user-switcher"
      ref={root}
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        if (open && !root.current?.contains(e.relatedTarget as Node | null)) setOpen(false)
      }}
    >
      <button type="button" className="user-button" aria-haspopup="menu" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">
          {initial(current)}
        </span>
        <span className="user-label">
          <span className="visually-hidden">Profile: </span>
          {current.name || current.userId}
        </span>
        <Icon name="chevron" size={16} />
      </button>
      {open && (
        <div className="menu" id={menuId} role="menu" aria-label="Profiles">
          {users.map((u) => (
            <button
              key={u.userId}
              type="button"
              role="menuitemradio"
              aria-checked={u.userId === current.userId}
              className="menu-item"
              onClick={() => choose(u.userId)}
            >
              <span className="avatar small" aria-hidden="true">
                {initial(u)}
              </span>
              <span className="menu-item-text">
                <span>{u.name || u.userId}</span>
                <span className="muted">{u.userId}</span>
              </span>
            </button>
          ))}
          <hr className="menu-separator" />
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false)
              openCreate(true)
            }}
          >
            <Icon name="plus" /> New profile
          </button>
        </div>
      )}
    </div>
  )
}
