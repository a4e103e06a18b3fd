// Preloaded (node --import) into every process the testkit starts: when the parent that started
// it disappears (killed, crashed), the child stops itself, so no port stays taken.
const FORCE_EXIT_MS = 10_000
const POLL_MS = 1_000
const parent = process.ppid
const timer = setInterval(() => {
  if (process.ppid === parent) return
  clearInterval(timer)
  setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref()
  process.kill(process.pid, 'SIGTERM')
}, POLL_MS)
timer.unref()
