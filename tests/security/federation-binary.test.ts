import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_RULES } from '../../src/catalog/write-rules.js';
import { textOf } from '../helpers/app.js';
import { federatedApp, listeningClient, POLL, type FederatedApp } from '../federation/harness.js';
import { binaryAround } from '../fixtures/federation-security-tools.mjs';
import { startSecurityUpstream, type SecurityUpstream } from './federation-upstreams.js';

/**
 * Low: binary content of a federated result (image/audio `data`, a resource `blob`) is passed on
 * whole — masking would corrupt it — so before, an upstream could hand a provider's credential to the
 * agent inside an image. Now a binary answer whose decoded bytes hold a secret of that provider, in
 * any form the redactor knows, is withheld with an isError that says so.
 */
const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/federation-security-stdio.mjs', import.meta.url));
const API_KEY = 'binary-api-key-5c09e3a7';
const VAULT_TOKEN = 'binary-vault-token-71d2b8';
const ENV_SECRET = 'binary env pass 42';
const WITHHELD =
  /binary answer \((image data|audio data|a resource blob)\) of the upstream MCP server "(\w+)" contained a credential of this provider and was withheld/;

let fed: FederatedApp | undefined;
let upstream: SecurityUpstream | undefined;
afterEach(async () => {
  await fed?.app.close();
  await upstream?.stop();
  fed = upstream = undefined;
});

async function ready(code: string) {
  const { client, names } = await listeningClient(fed!.app);
  await expect.poll(names, POLL).toContain(`${code}__image_with`);
  return client;
}

describe('federation: binary answers holding a credential are withheld (Low)', () => {
  it('an image holding the api_key, as written or base64-encoded, is refused; a clean image passes byte for byte', async () => {
    upstream = await startSecurityUpstream('json', API_KEY);
    fed = await federatedApp();
    await fed.app.catalog.createProvider({ name: 'Bin', code: 'bin', kind: 'mcp', url: upstream.url, apiKeyValue: API_KEY });
    const client = await ready('bin');

    const plain = await client.callTool({ name: 'bin__image_with', arguments: { what: `Authorization: Bearer ${API_KEY}` } });
    expect(plain.isError).toBe(true);
    expect(textOf(plain)).toMatch(WITHHELD);
    expect(textOf(plain)).toContain('(image data)');
    expect(JSON.stringify(plain)).not.toContain(Buffer.from(API_KEY).toString('base64').slice(0, 12));

    const encoded = await client.callTool({ name: 'bin__image_with', arguments: { what: `token=${Buffer.from(API_KEY).toString('base64')}` } });
    expect(encoded.isError).toBe(true);
    expect(textOf(encoded)).toMatch(WITHHELD);

    const clean = await client.callTool({ name: 'bin__image_with', arguments: { what: 'a harmless picture' } });
    expect(clean.isError).toBeFalsy();
    expect(clean.content).toEqual([{ type: 'image', mimeType: 'image/png', data: binaryAround('a harmless picture') }]);
  });

  it('a resource blob holding the vault credential (hex-encoded) is refused', async () => {
    upstream = await startSecurityUpstream('sse', VAULT_TOKEN);
    fed = await federatedApp();
    const vault = await fed.app.store.vaults.createVault('team');
    await fed.app.store.vaults.addCredential(vault.id, {
      mcpServerUrl: upstream.url,
      protocol: 'streamable_http',
      type: 'static_bearer',
      accessToken: VAULT_TOKEN,
    });
    await fed.app.catalog.createProvider({ name: 'Vaulted', code: 'vaulted', kind: 'mcp', url: upstream.url, protocol: 'streamable_http' });
    const client = await ready('vaulted');

    const blob = await client.callTool({ name: 'vaulted__blob_with', arguments: { what: Buffer.from(VAULT_TOKEN).toString('hex') } });
    expect(blob.isError).toBe(true);
    expect(textOf(blob)).toMatch(WITHHELD);
    expect(textOf(blob)).toContain('(a resource blob)');
    expect(textOf(await client.callTool({ name: 'vaulted__small', arguments: {} }))).toBe('ok');
  });

  it('stdio: image and audio data holding an env value (with spaces, in UTF-8 or upper case) are refused', async () => {
    fed = await federatedApp();
    await fed.app.catalog.createProvider(
      { name: 'Local', code: 'local', kind: 'mcp', command: process.execPath, args: [STDIO_FIXTURE], env: { FIXTURE_PASS: ENV_SECRET } },
      CLI_RULES,
    );
    const client = await ready('local');

    const image = await client.callTool({
      name: 'local__image_with',
      arguments: { b64: Buffer.from(`\u00e9t\u00e9 ${ENV_SECRET}`, 'utf8').toString('base64') },
    });
    expect(image.isError).toBe(true);
    expect(textOf(image)).toMatch(WITHHELD);

    const audio = await client.callTool({ name: 'local__audio_with', arguments: { what: ENV_SECRET.toUpperCase() } });
    expect(audio.isError).toBe(true);
    expect(textOf(audio)).toContain('(audio data)');

    const fine = await client.callTool({ name: 'local__audio_with', arguments: { what: 'just sound' } });
    expect(fine.isError).toBeFalsy();
    expect(fine.content).toEqual([{ type: 'audio', mimeType: 'audio/wav', data: binaryAround('just sound') }]);
  });
});
