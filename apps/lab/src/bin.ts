#!/usr/bin/env node
// ./dev lab — the local multi-PDS lab in the foreground. Ctrl-C / SIGTERM stops every child.
import { LabUsageError, USAGE, parseLabArgs } from './args.js'
import { isPortFree } from '@entryway/testkit'
import { renderBanner } from './banner.js'
import { composeEnv } from './compose-env.js'
import { startLab, type ChildDeath } from './lab.js'

const say = (line: string) => process.stdout.write(`\x1b[2mlab\x1b[0m  ${line}\n`)

let opts
try {
  opts = parseLabArgs(process.argv.slice(2))
} catch (err) {
  if (!(err instanceof LabUsageError)) throw err
  process.stderr.write(`${err.message}\n\n${USAGE}\n`)
  process.exit(2)
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
if (opts.composeEnv) {
  process.stdout.write(await composeEnv())
  process.exit(0)
}

// a signal during start-up stops what has started so far
let signalled: NodeJS.Signals | null = null
let onSignal: (s: NodeJS.Signals) => void = (s) => {
  signalled = s
}
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => onSignal(s))

const startedAt = Date.now()
let lab
try {
  lab = await startLab(opts, say)
} catch (err) {
  process.stderr.write(`\nthe lab could not start: ${(err as Error).message}\n`)
  process.exitCode = 1
}

if (lab) {
  const running = lab
  if (signalled) {
    say(`${signalled}: stopping…`)
    await running.stop()
  } else {
    say(`all healthy in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
    process.stdout.write(`\n${renderBanner(running.info)}\n`)
    const outcome = await new Promise<{ signal: NodeJS.Signals } | { death: ChildDeath }>(
      (resolve) => {
        onSignal = (signal) => resolve({ signal })
        void running.died.then((death) => resolve({ death }))
      },
    )
    if ('death' in outcome) {
      const d = outcome.death
      process.stderr.write(
        `\n✗ ${d.name} exited on its own (code ${d.code}, signal ${d.signal}). Last lines of its log:\n${d.logTail}\n`,
      )
      say('stopping the others…')
      process.exitCode = 1
    } else {
      say(`${outcome.signal}: stopping every process…`)
    }
    await running.stop()
    const ports = running.info.processes.flatMap((p) => p.ports)
    const busy = []
    for (const port of ports) if (!(await isPortFree(port))) busy.push(port)
    if (busy.length) {
      process.stderr.write(`ports still taken after stopping: ${busy.join(', ')}\n`)
      process.exitCode = 1
    } else say(`stopped; ports ${ports.join(', ')} are free`)
  }
}
