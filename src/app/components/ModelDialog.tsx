import { useModelStore } from '../stores/modelStore'
import { Dialog } from './Dialog'
import { ModelManager } from './ModelManager'

/** The model manager on its own, from the engine pill or from the chat's "Set up the AI model". */
export function ModelDialog() {
  const open = useModelStore((s) => s.dialogOpen)
  const setOpen = useModelStore((s) => s.setDialogOpen)
  return (
    <Dialog open={open} title="AI model" onClose={() => setOpen(false)} size="wide">
      <div className="settings">
        <ModelManager inDialog />
      </div>
    </Dialog>
  )
}
