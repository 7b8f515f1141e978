/**
 * The request bodies of HandsAI's provider docs (reference/handsai-provider-api.txt and
 * handsai-providers-guide.txt), as written there: the admin API must accept them unchanged.
 */

/** The secrets those bodies carry: none may ever come back in an admin answer. */
export const SEED_SECRETS = [
  'ghp_xxxxxxxxxxxxxxxxxxxx',
  'ghp_new_token_xxxxxxxxxxxx',
  'YOUR_CLIENT_SECRET',
  're_abc123_yourkey',
  'ghp_yourPersonalAccessToken',
  'tvly-YourTavilyKey',
  'AIza_YourJulesKey',
  'app_password',
];

export const githubStatic = {
  name: 'GitHub API',
  code: 'github',
  baseUrl: 'https://api.github.com',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: 'ghp_xxxxxxxxxxxxxxxxxxxx',
  isExportable: true,
  customHeaders: { Accept: 'application/vnd.github.v3+json', 'User-Agent': 'HandsAI' },
  isDynamicAuth: false,
};

export const githubUpdate = {
  name: 'GitHub API (Updated)',
  code: 'github',
  baseUrl: 'https://api.github.com',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: 'ghp_new_token_xxxxxxxxxxxx',
  isExportable: true,
  customHeaders: { Accept: 'application/vnd.github.v3+json', 'User-Agent': 'HandsAI/2.0' },
  isDynamicAuth: false,
};

export const customOauth = {
  name: 'Custom OAuth API',
  code: 'custom_oauth',
  baseUrl: 'https://api.example.com',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  isExportable: false,
  isDynamicAuth: true,
  dynamicAuthUrl: 'https://auth.example.com/oauth/token',
  dynamicAuthMethod: 'POST',
  dynamicAuthPayload: '{"grant_type":"client_credentials","client_id":"YOUR_CLIENT_ID","client_secret":"YOUR_CLIENT_SECRET"}',
  dynamicAuthPayloadType: 'JSON',
  dynamicAuthPayloadLocation: 'BODY',
  dynamicAuthTokenExtractionPath: '$.access_token',
  dynamicAuthInvalidationKeywords: 'expired,invalid_token,unauthorized',
};

export const resend = {
  name: 'Resend API',
  code: 'resend',
  baseUrl: 'https://api.resend.com',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: 're_abc123_yourkey',
  isExportable: true,
  customHeaders: { 'Content-Type': 'application/json', 'User-Agent': 'HandsAI/1.0' },
};

export const githubRest = {
  name: 'GitHub REST API',
  code: 'github-rest',
  baseUrl: 'https://api.github.com',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: 'ghp_yourPersonalAccessToken',
  isExportable: true,
  customHeaders: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28', 'User-Agent': 'HandsAI/1.0' },
};

export const tavily = {
  name: 'Tavily AI Search',
  code: 'tavily',
  baseUrl: 'https://api.tavily.com',
  authenticationType: 'API_KEY',
  apiKeyLocation: 'IN_BODY',
  apiKeyName: 'api_key',
  apiKeyValue: 'tvly-YourTavilyKey',
  isExportable: true,
  customHeaders: { 'Content-Type': 'application/json' },
};

export const jules = {
  name: 'Jules Agent API',
  code: 'google-jules-api',
  baseUrl: 'https://jules.googleapis.com',
  authenticationType: 'API_KEY',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'x-goog-api-key',
  apiKeyValue: 'AIza_YourJulesKey',
  isExportable: true,
  isDynamicAuth: false,
  customHeaders: { 'Content-Type': 'application/json' },
};

/** The Bluesky body of the guide, scraping artefacts in its payload string included. */
export const bluesky = {
  name: 'Bluesky API',
  code: 'bluesky',
  baseUrl: 'https://bsky.social/xrpc',
  authenticationType: 'BEARER_TOKEN',
  apiKeyLocation: 'HEADER',
  apiKeyName: 'Authorization',
  apiKeyValue: '',
  isDynamicAuth: true,
  dynamicAuthUrl: 'https://bsky.social/xrpc/com.atproto.server.createSession',
  dynamicAuthMethod: 'POST',
  dynamicAuthPayloadType: 'JSON',
  dynamicAuthPayloadLocation: 'BODY',
  dynamicAuthPayload: '{ " identifier " : " [email protected] " , " password " : " app_password " }',
  dynamicAuthTokenExtractionPath: 'accessJwt',
  dynamicAuthInvalidationKeywords: 'ExpiredToken,AuthenticationRequired',
};

/** The "Authentication Configuration Examples" fragments: partial, to be merged into a full body. */
export const fragments = {
  apiKeyHeader: { authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'X-API-Key', apiKeyValue: 'your-api-key-here' },
  bearer: { authenticationType: 'BEARER_TOKEN', apiKeyLocation: 'HEADER', apiKeyName: 'Authorization', apiKeyValue: 'your-bearer-token' },
  apiKeyQuery: { authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'api_key', apiKeyValue: 'your-api-key-here' },
  oauth: {
    authenticationType: 'BEARER_TOKEN',
    apiKeyLocation: 'HEADER',
    apiKeyName: 'Authorization',
    isDynamicAuth: true,
    dynamicAuthUrl: 'https://auth.example.com/oauth/token',
    dynamicAuthMethod: 'POST',
    dynamicAuthPayload: '{"grant_type":"client_credentials","client_id":"xxx","client_secret":"yyy"}',
    dynamicAuthPayloadType: 'JSON',
    dynamicAuthPayloadLocation: 'BODY',
    dynamicAuthTokenExtractionPath: '$.access_token',
    dynamicAuthInvalidationKeywords: 'expired,invalid_token',
  },
  basic: { authenticationType: 'BASIC_AUTH', apiKeyLocation: 'HEADER', apiKeyName: 'Authorization', apiKeyValue: 'username:password' },
};
