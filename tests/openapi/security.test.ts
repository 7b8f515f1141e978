import { describe, expect, it } from 'vitest';
import { convertOpenApi } from '../../src/catalog/openapi/index.js';
import { doc, ok } from './helpers.js';

const PLACEHOLDER = '<YOUR_API_KEY>';

async function withSchemes(schemes: Record<string, unknown>, security?: unknown[]) {
  const paths = { '/a': { get: { operationId: 'a', parameters: [{ name: 'key', in: 'query', schema: { type: 'string' } }], responses: ok } } };
  const extra: Record<string, unknown> = { components: { securitySchemes: schemes } };
  if (security !== undefined) extra.security = security;
  return convertOpenApi(doc(paths, extra));
}

describe('security schemes → provider credentials', () => {
  it('apiKey in a header', async () => {
    const r = await withSchemes({ k: { type: 'apiKey', in: 'header', name: 'X-Token' } });
    expect(r.provider).toMatchObject({
      authenticationType: 'API_KEY',
      apiKeyLocation: 'HEADER',
      apiKeyName: 'X-Token',
      apiKeyValue: PLACEHOLDER,
      isDynamicAuth: false,
    });
    expect(r.credentialsToFill).toEqual(['apiKeyValue']);
  });

  it('apiKey in the query (and the query parameter duplicating it is dropped)', async () => {
    const r = await withSchemes({ k: { type: 'apiKey', in: 'query', name: 'key' } });
    expect(r.provider).toMatchObject({ authenticationType: 'API_KEY', apiKeyLocation: 'QUERY_PARAMETER', apiKeyName: 'key', apiKeyValue: PLACEHOLDER });
    expect(r.provider.tools[0]!.parameters).toEqual([]);
  });

  it('apiKey in a cookie becomes the Cookie header, with instructions', async () => {
    const r = await withSchemes({ k: { type: 'apiKey', in: 'cookie', name: 'sid' } });
    expect(r.provider).toMatchObject({ authenticationType: 'API_KEY', apiKeyLocation: 'HEADER', apiKeyName: 'Cookie' });
    expect(r.warnings.join(' ')).toContain('"sid=<your key>"');
  });

  it('http bearer', async () => {
    const r = await withSchemes({ b: { type: 'http', scheme: 'Bearer', bearerFormat: 'JWT' } });
    expect(r.provider).toMatchObject({ authenticationType: 'BEARER_TOKEN', apiKeyLocation: 'HEADER', apiKeyName: 'Authorization', apiKeyValue: PLACEHOLDER });
    expect(r.credentialsToFill).toEqual(['apiKeyValue']);
  });

  it('http basic', async () => {
    const r = await withSchemes({ b: { type: 'http', scheme: 'basic' } });
    expect(r.provider).toMatchObject({ authenticationType: 'BASIC_AUTH', apiKeyValue: PLACEHOLDER });
    expect(r.warnings.join(' ')).toContain('user:password');
  });

  it('oauth2 client credentials → dynamic auth against the token URL (a relative one resolved)', async () => {
    const r = await withSchemes({
      o: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: { read: 'read' } } } },
    });
    expect(r.provider).toMatchObject({
      authenticationType: 'BEARER_TOKEN',
      isDynamicAuth: true,
      dynamicAuthUrl: 'https://api.test.example/oauth/token',
      dynamicAuthMethod: 'POST',
      dynamicAuthPayloadType: 'FORM_DATA',
      dynamicAuthPayloadLocation: 'BODY',
      dynamicAuthTokenExtractionPath: '$.access_token',
      apiKeyValue: null,
    });
    expect(JSON.parse(r.provider.dynamicAuthPayload!)).toEqual({ grant_type: 'client_credentials', client_id: PLACEHOLDER, client_secret: PLACEHOLDER });
    expect(r.credentialsToFill).toEqual(['dynamicAuthPayload.client_id', 'dynamicAuthPayload.client_secret']);
    expect(r.warnings.join(' ')).toContain('scope');
  });

  it('oauth2 without client credentials, and OpenID Connect → a bearer token to paste', async () => {
    for (const scheme of [
      { type: 'oauth2', flows: { authorizationCode: { authorizationUrl: 'https://x/a', tokenUrl: 'https://x/t', scopes: {} } } },
      { type: 'openIdConnect', openIdConnectUrl: 'https://x/.well-known/openid-configuration' },
    ]) {
      const r = await withSchemes({ s: scheme });
      expect(r.provider).toMatchObject({ authenticationType: 'BEARER_TOKEN', isDynamicAuth: false, apiKeyValue: PLACEHOLDER });
      expect(r.warnings.join(' ')).toContain('obtain an access token yourself');
    }
  });

  it('prefers the scheme of the global security requirement over the first declared', async () => {
    const r = await withSchemes({ first: { type: 'http', scheme: 'basic' }, chosen: { type: 'apiKey', in: 'header', name: 'X-Chosen' } }, [{ chosen: [] }]);
    expect(r.provider.apiKeyName).toBe('X-Chosen');
  });

  it('passes over an unsupported scheme to the next one, with a warning', async () => {
    const r = await withSchemes({ d: { type: 'http', scheme: 'digest' }, k: { type: 'apiKey', in: 'header', name: 'K' } }, [{ d: [] }]);
    expect(r.provider.apiKeyName).toBe('K');
    expect(r.warnings.join(' ')).toContain('Security scheme "d" (http) is not supported');
  });

  it('needs no credentials with `security: []` or no schemes', async () => {
    for (const r of [await withSchemes({ k: { type: 'apiKey', in: 'header', name: 'K' } }, []), await withSchemes({})]) {
      expect(r.provider).toMatchObject({ authenticationType: 'NONE', apiKeyLocation: 'NONE', apiKeyValue: null, isDynamicAuth: false });
      expect(r.credentialsToFill).toEqual([]);
    }
  });

  it('Swagger 2.0 securityDefinitions go through the same mapping', async () => {
    const r = await convertOpenApi({
      swagger: '2.0',
      info: { title: 'S', version: '1' },
      host: 'api.s.example',
      schemes: ['https'],
      securityDefinitions: { k: { type: 'apiKey', in: 'header', name: 'X-S-Key' } },
      paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
    });
    expect(r.provider).toMatchObject({ baseUrl: 'https://api.s.example', authenticationType: 'API_KEY', apiKeyName: 'X-S-Key' });
  });
});
