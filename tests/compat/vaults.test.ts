import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leaked, startCompat, type CompatHarness } from './harness.js';

/** SPEC §9: credential vaults in Qoder's shape, at /v1/vaults and its alias /api/v1/cloud/vaults. */
let h: CompatHarness;
beforeEach(async () => {
  h = await startCompat();
});
afterEach(async () => {
  await h.close();
});

const TOKEN_A = 'canary-vault-token-aaaa-1111';
const TOKEN_B = 'canary-vault-token-bbbb-2222';

// The seed bodies of Qoder's documentation.
const seedVault = {
  display_name: 'my-mcp-vault',
  credentials: [{ mcp_server_url: 'https://example.com/mcp', protocol: 'sse', type: 'static_bearer', access_token: TOKEN_A }],
};
const seedCredential = { mcp_server_url: 'https://example.com/mcp-stream', protocol: 'streamable_http', type: 'static_bearer', access_token: TOKEN_B };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const credentialShape = (vaultId: string, url: string, protocol: string) => ({
  id: expect.stringMatching(/^vcred_[0-9a-f]{32}$/),
  vault_id: vaultId,
  mcp_server_url: url,
  protocol,
  type: 'static_bearer',
  status: 'active',
  created_at: expect.stringMatching(ISO),
  updated_at: expect.stringMatching(ISO),
});

async function createSeedVault(prefix = '/v1/vaults') {
  const res = await h.call('POST', prefix, seedVault);
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; credentials: Array<{ id: string }> };
}

describe('vaults: the seed requests and their answers', () => {
  it('POST /v1/vaults answers 201 with the vault and its credentials, never the access token', async () => {
    const res = await h.call('POST', '/v1/vaults', seedVault);
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^vault_[0-9a-f]{32}$/),
      type: 'vault',
      display_name: 'my-mcp-vault',
      status: 'active',
      metadata: {},
      credentials: [credentialShape(res.json.id, 'https://example.com/mcp', 'sse')],
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    expect(res.text).not.toContain('access_token');
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp', 'sse')).toBe(TOKEN_A);
  });

  it('POST /v1/vaults/{id}/credentials answers 201 with exactly the documented fields', async () => {
    const vault = await createSeedVault();
    const res = await h.call('POST', `/v1/vaults/${vault.id}/credentials`, seedCredential);
    expect(res.status).toBe(201);
    expect(res.json).toEqual(credentialShape(vault.id, 'https://example.com/mcp-stream', 'streamable_http'));
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp-stream', 'streamable_http')).toBe(TOKEN_B);
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp-stream', 'sse')).toBeNull();
  });

  it('GET lists vaults and credentials in pages; GET one shows its credentials', async () => {
    const first = await createSeedVault();
    const second = await createSeedVault();
    const list = await h.call('GET', '/v1/vaults');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({
      data: [first.id, second.id].map((id) => ({
        id,
        type: 'vault',
        display_name: 'my-mcp-vault',
        status: 'active',
        metadata: {},
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      })),
      first_id: first.id,
      last_id: second.id,
      has_more: false,
    });
    const page1 = await h.call('GET', '/v1/vaults?limit=1');
    expect(page1.json).toMatchObject({ data: [{ id: first.id }], first_id: first.id, last_id: first.id, has_more: true });
    const page2 = await h.call('GET', `/v1/vaults?limit=1&after_id=${first.id}`);
    expect(page2.json).toMatchObject({ data: [{ id: second.id }], has_more: false });

    await h.call('POST', `/v1/vaults/${first.id}/credentials`, seedCredential);
    const one = await h.call('GET', `/v1/vaults/${first.id}`);
    expect(one.status).toBe(200);
    expect(one.json.credentials.map((c: { mcp_server_url: string }) => c.mcp_server_url)).toEqual([
      'https://example.com/mcp',
      'https://example.com/mcp-stream',
    ]);
    const creds = await h.call('GET', `/v1/vaults/${first.id}/credentials`);
    expect(creds.json).toMatchObject({ data: [{ protocol: 'sse' }, { protocol: 'streamable_http' }], has_more: false });
    expect(creds.json.first_id).toBe(creds.json.data[0].id);
  });

  it('an empty list has null ids', async () => {
    expect((await h.call('GET', '/v1/vaults')).json).toEqual({ data: [], first_id: null, last_id: null, has_more: false });
  });

  it('the most recently created credential for a URL and protocol is the one used', async () => {
    const vault = await createSeedVault();
    await h.call('POST', `/v1/vaults/${vault.id}/credentials`, { ...seedVault.credentials[0], access_token: TOKEN_B });
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp', 'sse')).toBe(TOKEN_B);
  });

  it('a credential write bumps the registry version, so upstreams re-read their credential', async () => {
    const before = await h.server.app.store.registryVersion();
    await createSeedVault();
    expect(await h.server.app.store.registryVersion()).toBeGreaterThan(before);
  });
});

describe('vaults: deleting', () => {
  it('DELETE one credential answers its id and type; it is gone and its token no longer used', async () => {
    const vault = await createSeedVault();
    const credId = vault.credentials[0]!.id;
    const res = await h.call('DELETE', `/v1/vaults/${vault.id}/credentials/${credId}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: credId, type: 'vault_credential_deleted' });
    expect((await h.call('GET', `/v1/vaults/${vault.id}/credentials`)).json.data).toEqual([]);
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp', 'sse')).toBeNull();
    const again = await h.call('DELETE', `/v1/vaults/${vault.id}/credentials/${credId}`);
    expect(again.status).toBe(404);
    expect(again.json.error.type).toBe('not_found_error');
  });

  it('DELETE a vault answers 204; afterwards every route of it is 404 not_found_error', async () => {
    const vault = await createSeedVault();
    const res = await h.call('DELETE', `/v1/vaults/${vault.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    for (const [method, path, body] of [
      ['GET', `/v1/vaults/${vault.id}`],
      ['DELETE', `/v1/vaults/${vault.id}`],
      ['GET', `/v1/vaults/${vault.id}/credentials`],
      ['POST', `/v1/vaults/${vault.id}/credentials`, seedCredential],
    ] as const) {
      const after = await h.call(method, path, body);
      expect(after.status, `${method} ${path}`).toBe(404);
      expect(after.json).toEqual({
        type: 'error',
        error: { type: 'not_found_error', message: `Vault '${vault.id}' was not found. GET /v1/vaults lists the vaults there are.` },
      });
    }
    expect(await h.server.app.store.vaults.tokenFor('https://example.com/mcp', 'sse')).toBeNull();
    expect((await h.call('GET', '/v1/vaults')).json.data).toEqual([]);
  });

  it('an unknown vault id is 404', async () => {
    const res = await h.call('GET', '/v1/vaults/vault_00000000000000000000000000000000');
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({
      type: 'not_found_error',
      message: expect.stringContaining("Vault 'vault_00000000000000000000000000000000' was not found."),
    });
  });
});

describe('vaults: the alias base path /api/v1/cloud/vaults', () => {
  it('is the same API over the same data', async () => {
    const created = await createSeedVault('/api/v1/cloud/vaults');
    expect((await h.call('GET', '/v1/vaults')).json.data.map((v: { id: string }) => v.id)).toEqual([created.id]);
    const cred = await h.call('POST', `/api/v1/cloud/vaults/${created.id}/credentials`, seedCredential);
    expect(cred.status).toBe(201);
    expect((await h.call('GET', `/api/v1/cloud/vaults/${created.id}`)).json.credentials).toHaveLength(2);
    expect((await h.call('DELETE', `/api/v1/cloud/vaults/${created.id}`)).status).toBe(204);
    expect((await h.call('GET', `/v1/vaults/${created.id}`)).status).toBe(404);
    expect((await h.call('POST', '/api/v1/cloud/vaults', {})).json.error.type).toBe('invalid_request_error');
  });
});

describe('vaults: errors in the envelope', () => {
  const invalid = async (path: string, body: unknown) => {
    const res = await h.call('POST', path, body);
    expect(res.status, res.text).toBe(400);
    expect(res.json.type).toBe('error');
    expect(res.json.error.type).toBe('invalid_request_error');
    return res.json.error as { type: string; message: string; param?: string };
  };

  it('401 TOKEN_INVALID without a token, with a wrong one, or with only X-Session-API-Key', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { 'x-session-api-key': h.server.token }]) {
      for (const [method, path] of [
        ['GET', '/v1/vaults'],
        ['POST', '/v1/vaults'],
        ['GET', '/api/v1/cloud/vaults'],
      ] as const) {
        const res = await h.call(method, path, method === 'POST' ? seedVault : undefined, headers);
        expect(res.status).toBe(401);
        expect(res.json).toEqual({ type: 'error', error: { type: 'TOKEN_INVALID', message: expect.stringContaining('Authorization: Bearer') } });
      }
    }
    expect(await h.server.app.store.vaults.listVaults()).toEqual([]);
  });

  it('400 naming access_token when it is missing: "Field \'access_token\' is required for static_bearer type."', async () => {
    const vault = await createSeedVault();
    const { access_token: _, ...noToken } = seedCredential;
    for (const body of [noToken, { ...noToken, access_token: '' }, { ...noToken, access_token: null }]) {
      const error = await invalid(`/v1/vaults/${vault.id}/credentials`, body);
      expect(error).toEqual({ type: 'invalid_request_error', message: "Field 'access_token' is required for static_bearer type.", param: 'access_token' });
    }
    const nested = await invalid('/v1/vaults', { display_name: 'v', credentials: [noToken] });
    expect(nested.message).toBe("Field 'credentials[0].access_token' is required for static_bearer type.");
    expect(await h.server.app.store.vaults.listCredentials(vault.id)).toHaveLength(1);
  });

  it('400 for a bad protocol, a bad type, a bad URL, a wrong type of value, naming each field', async () => {
    const vault = await createSeedVault();
    const path = `/v1/vaults/${vault.id}/credentials`;
    expect(await invalid(path, { ...seedCredential, protocol: 'websocket' })).toMatchObject({
      param: 'protocol',
      message: expect.stringMatching(/^Field 'protocol' must be one of: sse, streamable_http/),
    });
    expect(await invalid(path, { ...seedCredential, type: 'oauth' })).toMatchObject({
      param: 'type',
      message: expect.stringMatching(/^Field 'type' must be static_bearer/),
    });
    expect(await invalid(path, { ...seedCredential, mcp_server_url: 'example.com/mcp' })).toMatchObject({ param: 'mcp_server_url' });
    expect(await invalid(path, { ...seedCredential, access_token: 42 })).toMatchObject({
      param: 'access_token',
      message: "Field 'access_token' must be a string.",
    });
    const both = await invalid(path, { mcp_server_url: 'https://example.com/mcp', access_token: TOKEN_B });
    expect(both).toEqual({ type: 'invalid_request_error', message: "Field 'protocol' is required. Field 'type' is required.", param: 'protocol' });
    expect(await h.server.app.store.vaults.listCredentials(vault.id)).toHaveLength(1);
  });

  it('400 for a vault without a display name or without credentials; nothing is created', async () => {
    expect(await invalid('/v1/vaults', { credentials: seedVault.credentials })).toMatchObject({
      param: 'display_name',
      message: "Field 'display_name' is required.",
    });
    expect(await invalid('/v1/vaults', { display_name: 'v' })).toMatchObject({
      param: 'credentials',
      message: 'At least one credential is required when creating a vault.',
    });
    expect(await invalid('/v1/vaults', { display_name: 'v', credentials: [] })).toMatchObject({ param: 'credentials' });
    expect(await invalid('/v1/vaults', { display_name: 'v', credentials: 'x' })).toMatchObject({ param: 'credentials' });
    // one bad credential among good ones: the vault is not created and no credential is kept
    expect(await invalid('/v1/vaults', { display_name: 'v', credentials: [seedCredential, { ...seedCredential, protocol: 'ws' }] })).toMatchObject({
      param: 'credentials[1].protocol',
    });
    expect(await h.server.app.store.vaults.listVaults()).toEqual([]);
    expect(await h.server.app.store.vaults.tokenFor(seedCredential.mcp_server_url, 'streamable_http')).toBeNull();
  });

  it('400 for a malformed body, never 500; the body is not echoed', async () => {
    for (const body of ['{"display_name": "v", "credentials": [{"access_token": "' + TOKEN_A + '"', '[1,2]', '"text"', '']) {
      const res = await h.call('POST', '/v1/vaults', body);
      expect(res.status, body).toBe(400);
      expect(res.json.error.type).toBe('invalid_request_error');
      expect(res.text).not.toContain(TOKEN_A);
    }
    expect(await h.server.app.store.vaults.listVaults()).toEqual([]);
  });

  it('400 for a bad page query, 405 for a method the route lacks, 404 for a path it lacks', async () => {
    expect((await h.call('GET', '/v1/vaults?limit=zero')).json.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
    const put = await h.call('PUT', '/v1/vaults', seedVault);
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    const deep = await h.call('GET', '/v1/vaults/a/b/c/d');
    expect(deep.status).toBe(404);
    expect(deep.json.error.type).toBe('not_found_error');
  });
});

describe('vaults: access tokens are secrets', () => {
  it('never appear in a response, the log, an export or the database bytes', async () => {
    const vault = await createSeedVault();
    await h.call('POST', `/v1/vaults/${vault.id}/credentials`, seedCredential);
    await h.call('GET', '/v1/vaults');
    await h.call('GET', `/v1/vaults/${vault.id}`);
    await h.call('GET', `/v1/vaults/${vault.id}/credentials`);
    await h.call('POST', `/v1/vaults/${vault.id}/credentials`, { ...seedCredential, protocol: 'bad', access_token: 'canary-vault-token-cccc-3333' });
    const exported = await h.call('GET', '/admin/export');
    expect(exported.status).toBe(200);
    const canaries = [TOKEN_A, TOKEN_B, 'canary-vault-token-cccc-3333'];
    expect(leaked(h.bodies, canaries)).toEqual([]);
    expect(h.server.logLines.some((l) => l.includes('credential'))).toBe(true); // the log did record the writes
    expect(leaked(h.server.logLines, canaries)).toEqual([]);
    expect(leaked([h.databaseBytes()], canaries)).toEqual([]);
    expect(await h.server.app.store.vaults.tokenFor(seedCredential.mcp_server_url, 'streamable_http')).toBe(TOKEN_B); // stored, sealed
  });
});
