#!/usr/bin/env node
// `entryway [serve|start|check-config|keys generate|doctor|--help]` (package bin).
import { main } from './cli.js'

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
})
