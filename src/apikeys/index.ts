/**
 * @module apikeys
 * API keys for machines and for authors who run no authorization server: the key format, the
 * hashed key file in the state dir, and the daemon's verifier. Used by the daemon (verifier)
 * and by `briefd apikey` (store).
 */
export { API_KEY_PREFIX, apiKeyId, generateApiKey, looksLikeApiKey } from './format.js'
export {
  API_KEYS_FILE,
  API_KEYS_LOCK,
  apiKeysPath,
  createApiKey,
  readApiKeyFile,
  revokeApiKey,
  type ApiKeyRecord,
  type CreateApiKeyOptions,
  type CreatedApiKey,
} from './store.js'
export { ApiKeyVerifier, NO_EXPIRY_SECONDS, type ApiKeyVerifierOptions } from './verifier.js'
