import { useUserStore } from '../stores/userStore'
import { DocsSection } from './DocsSection'
import { IdentityForm } from './IdentityForm'
import { MetadataEditor } from './MetadataEditor'

/** Who the user is: id, name, about, metadata and documents. */
export function ProfilePanel() {
  const view = useUserStore((s) => s.currentView)
  if (!view) return null
  return (
    <div className="profile-panel">
      <IdentityForm view={view} />
      <MetadataEditor metadata={view.metadata} />
      <DocsSection />
    </div>
  )
}
