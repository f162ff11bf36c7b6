/**
 * Folds bursts into one run: `run()` asks for the task; it starts after `delayMs`, and a request made
 * while it runs makes it run once more when it ends (never two at once, never a lost request).
 * The app reads the database again after changes reported by `client.subscribe` (stores/changeFeed.ts);
 * a sync burst reports thousands of records, which this turns into one or two reads.
 */
export function coalesced(task: () => Promise<unknown>, delayMs = 30): { run(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let again = false
  const start = () => {
    timer = undefined
    running = true
    void task()
      .catch(() => undefined)
      .finally(() => {
        running = false
        if (again) {
          again = false
          schedule()
        }
      })
  }
  const schedule = () => {
    if (running) again = true
    else timer ??= setTimeout(start, delayMs)
  }
  return {
    run: schedule,
    cancel() {
      if (timer) clearTimeout(timer)
      timer = undefined
      again = false
    },
  }
}
