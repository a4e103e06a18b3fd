// Session benchmark (see packages/session/bench/session.ts, where its dependencies resolve).
//   ./dev node --import tsx bench/session.ts [--requests 200] [--concurrency 16] [--tokens 2000]
await import('../packages/session/bench/session.js')
