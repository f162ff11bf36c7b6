import { useEffect } from 'react'
import { useClientStore } from '../stores/clientStore'
import { useUserStore } from '../stores/userStore'
import { AppSkeleton } from './AppSkeleton'
import { ErrorState } from './ErrorState'
import { FirstRun } from './FirstRun'
import { Notices } from './Notices'
import { Shell } from './Shell'

/** Opens the local database, then shows the first-run card or the app. */
export function App() {
  const boot = useClientStore()
  const users = useUserStore()

  useEffect(() => {
    void boot.open().then(() => {
      if (useClientStore.getState().status === 'ready') return useUserStore.getState().load()
    })
  }, [])

  let body
  if (boot.status === 'error') {
    body = (
      <main className="fatal">
        <ErrorState message={`Keepsake could not open its storage on this device. ${boot.error ?? ''}`} onRetry={() => location.reload()} />
      </main>
    )
  } else if (boot.status === 'opening' || users.status === 'loading') {
    body = <AppSkeleton />
  } else if (users.status === 'error') {
    body = (
      <main className="fatal">
        <ErrorState message={users.error ?? ''} onRetry={users.load} />
      </main>
    )
  } else if (!users.current) {
    body = <FirstRun />
  } else {
    body = <Shell />
  }
  return (
    <>
      {body}
      <Notices />
    </>
  )
}
