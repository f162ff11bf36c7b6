import { useUiStore } from '../stores/uiStore'
import { notify } from '../stores/noticeStore'
import { Dialog } from './Dialog'
import { NewProfileForm } from './NewProfileForm'

/** "New profile" from the user switcher: another person (or persona) on this device. */
export function CreateUserDialog() {
  const open = useUiStore((s) => s.createUserOpen)
  const setOpen = useUiStore((s) => s.setCreateUserOpen)
  return (
    <Dialog open={open} title="New profile" onClose={() => setOpen(false)}>
      <p className="dialog-lead">Each profile has its own chats, memories and documents.</p>
      <NewProfileForm
        submitLabel="Create profile"
        autoFocus
        onCreated={() => {
          setOpen(false)
          notify('Profile created', 'success')
        }}
      />
    </Dialog>
  )
}
