export * from './errors.js'
export { xrpcErrorHandler, toXrpcError } from './error-handler.js'
export { assertValidXrpcInput, assertValidXrpcParams, assertValidXrpcOutput } from './lexicon-validate.js'
export { parseBasicAuth, parseBearer } from './auth-header.js'
