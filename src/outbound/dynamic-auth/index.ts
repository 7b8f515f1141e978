/** Dynamic auth (SPEC §6): fetch a provider's token, cache it, share it, and drop it when refused. */
export { createTokenManager, isInvalidation, type TokenManager, type TokenManagerOptions, type TokenRefusal } from './token-manager.js';
export { probeToken, maskToken, describeInjection, type ProbeResult, type ProbeOptions } from './probe.js';
export { fetchToken, type FetchedToken, type FetchTokenOptions } from './fetch-token.js';
export { buildTokenRequest, type TokenRequest } from './request.js';
export { extractToken, parseAnswer, type TokenAnswer } from './extract.js';
export { tokenLifetime, refreshMarginMs, refreshAheadMs, jwtExpiryMs, type Lifetime, type LifetimeSource } from './lifetime.js';
export { parseDynamicAuthPayload, parseDynamicAuthPayloadObject, validateDynamicAuthPayload } from './payload.js';
export { TokenFetchError, type TokenStep } from './token-error.js';
export { fetchProviderToken, usesProviderToken } from './provider-token.js';
