import t from 'tap'
import Fastify from 'fastify'
import { xrpcErrorHandler } from '@entryway/xrpc'
import { entrywaySession } from '@entryway/session'
import { entrywayPlacement } from '@entryway/placement'
import { entrywayProxy } from '@entryway/proxy'
import { entrywayOAuth } from '@entryway/oauth'
import { entrywayAdminRbac } from '@entryway/admin-rbac'
import { entrywayMetrics } from '@entryway/metrics'

interface PluginMeta {
  name: string
  fastify: string
  dependencies?: string[]
}

// the one convention every plugin follows (STYLE_GUIDE.md, "Plugins")
const PLUGINS = {
  '@entryway/session': entrywaySession,
  '@entryway/placement': entrywayPlacement,
  '@entryway/proxy': entrywayProxy,
  '@entryway/oauth': entrywayOAuth,
  '@entryway/admin-rbac': entrywayAdminRbac,
  '@entryway/metrics': entrywayMetrics,
}

const metaOf = (plugin: unknown): PluginMeta =>
  (plugin as Record<symbol, PluginMeta>)[Symbol.for('plugin-meta')]!

for (const [name, plugin] of Object.entries(PLUGINS)) {
  t.test(
    `${name}: fastify-plugin metadata names the plugin, fastify 5 and its dependency on the XRPC error handler`,
    async (t) => {
      const meta = metaOf(plugin)
      t.equal(meta.name, name)
      t.equal(meta.fastify, '5.x')
      t.ok(
        meta.dependencies?.includes('@entryway/xrpc'),
        `dependencies: ${JSON.stringify(meta.dependencies)}`,
      )
    },
  )

  t.test(
    `${name}: registering it without @entryway/xrpc fails with a message that names what is missing`,
    async (t) => {
      const app = Fastify({ logger: false })
      t.teardown(() => app.close())
      await t.rejects(
        async () => {
          await app.register(plugin as never, {})
          await app.ready()
        },
        { message: new RegExp(`'@entryway/xrpc'.*'${name}'|'${name}'.*'@entryway/xrpc'`) },
      )
    },
  )
}

t.test(
  'with the XRPC error handler registered first, the dependency check passes (the options check is next)',
  async (t) => {
    const app = Fastify({ logger: false })
    t.teardown(() => app.close())
    await app.register(xrpcErrorHandler)
    const err = await app
      .register(entrywaySession as never, {})
      .ready()
      .then(
        () => null,
        (e: unknown) => e as Error,
      )
    t.ok(err, 'empty options are refused')
    t.notMatch(
      err!.message,
      /@entryway\/xrpc/,
      `refused for its options, not the dependency: ${err!.message}`,
    )
  },
)
