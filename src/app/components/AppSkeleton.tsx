import { Skeleton } from './Skeleton'

/** The shape of the app while the local database opens. */
export function AppSkeleton() {
  return (
    <div className="app" aria-busy="true" aria-label="Loading Keepsake">
      <header className="top-bar">
        <span className="brand">
          <span className="brand-mark small">K</span>
          Keepsake
        </span>
      </header>
      <div className="layout">
        <div className="side-panel side-left desktop-only">
          <Skeleton lines={6} className="skeleton-list" />
        </div>
        <div className="conversation">
          <Skeleton lines={4} className="skeleton-messages" />
        </div>
      </div>
    </div>
  )
}
