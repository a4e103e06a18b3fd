import { buildEmbeddedServer } from './server.js'

// A runnable demo: `pnpm --filter @entryway/example-embedded-server start`.
const pdsUrl = process.argv[2] ?? 'http://localhost:2600'
const { app } = await buildEmbeddedServer({
  pdsUrl,
  pdsDid: 'did:web:localhost',
  didResolver: { resolve: async () => null },
})
await app.listen({ port: 3000, host: '127.0.0.1' })
app.log.info('embedded example listening on http://127.0.0.1:3000')
