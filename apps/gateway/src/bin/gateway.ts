#!/usr/bin/env node
// The gateway process (`./dev gateway`, testkit): `entryway` itself, where `--check` means `check-config`.
if (process.argv.includes('--check')) process.argv.splice(2, Infinity, 'check-config')
await import('./entryway.js')
