import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { ProtocolError, ProtocolErrorCode as RpcCode } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { CLI_ERRORS, cliFailure } from '../../src/commands/exit-codes.js';
import { UsageError } from '../../src/commands/context.js';
import { type ErrorCode, ToolwireError } from '../../src/core/errors.js';
import { createLog } from '../../src/core/log.js';
import { ADMIN_ERRORS, errorReply } from '../../src/inbound/admin/errors.js';
import { detailReply, OPENHANDS_ERRORS, Unprocessable } from '../../src/inbound/compat/openhands-errors.js';
import { invalidRequest, notFound, VAULT_ERRORS, vaultErrorReply } from '../../src/inbound/compat/vault-errors.js';
import { readJsonBody } from '../../src/inbound/http/body.js';
import { MCP_ERRORS, rpcCodeOf, rpcErrorReply, toMcpError } from '../../src/inbound/mcp/errors.js';
import { parserReason } from '../../src/inbound/web/context.js';
import { methodNotAllowed } from '../../src/inbound/web/reply.js';
import { BlockedAddressError } from '../../src/outbound/address-policy.js';
import { UpstreamDownError } from '../../src/outbound/federation/upstream-connection.js';
import { KeyRotationError, WrongKeyError } from '../../src/store/key-rotation.js';

// Issue 12, "one error model": every API turns a code into its own reply through one table. These
// pin each table to the replies the wire tests already expect, and the unexpected case to a 500 whose
// log line names the error but never carries a request body.

function capture() {
  const lines: string[] = [];
  return { lines, log: createLog('debug', (line) => lines.push(line)) };
}

const err = (code: ErrorCode, message = `a ${code} message`, details = {}) => new ToolwireError(code, message, details);

function body(text: string, limit?: number): Promise<Awaited<ReturnType<typeof readJsonBody>>> {
  const stream = new PassThrough();
  const read = readJsonBody(stream as unknown as IncomingMessage, limit);
  stream.end(text);
  return read;
}

describe('ToolwireError', () => {
  it('takes the issues alone, or issues with a cause, headers, a param and a subject', () => {
    const issues = [{ field: 'code', message: 'is required' }];
    expect(new ToolwireError('INVALID_INPUT', 'bad', issues).issues).toEqual(issues);
    const cause = new SyntaxError('Unexpected token');
    const full = new ToolwireError('METHOD_NOT_ALLOWED', 'no', { issues, cause, headers: { allow: 'GET' }, param: 'code', subject: 'The tool' });
    expect(full).toMatchObject({ code: 'METHOD_NOT_ALLOWED', message: 'no', issues, headers: { allow: 'GET' }, param: 'code', subject: 'The tool' });
    expect(full.cause).toBe(cause);
    expect('cause' in new ToolwireError('NOT_FOUND', 'gone')).toBe(false);
  });

  it('every error class we throw is one, with a fixed code', () => {
    expect(new UsageError('x').code).toBe('USAGE');
    expect(new WrongKeyError('x').code).toBe('WRONG_KEY');
    expect(new KeyRotationError('x').code).toBe('CONFIG');
    expect(new UpstreamDownError(null)).toMatchObject({ code: 'UPSTREAM_DOWN', message: 'not connected' });
    expect(new Unprocessable([{ loc: ['body'], msg: 'm', type: 't' }]).code).toBe('INVALID_INPUT');
    const blocked = new BlockedAddressError('127.0.0.1', '127.0.0.1', 'loopback');
    expect(blocked.code).toBe('BLOCKED_ADDRESS');
    expect(blocked.message).toBe(`${blocked.refusal}.`);
    const busy = new Error('SQLITE_BUSY');
    expect(new KeyRotationError('busy', busy).cause).toBe(busy);
    for (const e of [new UsageError('x'), blocked, new UpstreamDownError('r'), new WrongKeyError('w')]) expect(e).toBeInstanceOf(ToolwireError);
  });
});

describe('the body reader', () => {
  it('answers malformed JSON with INVALID_JSON whose cause is the parser error, and the reason without the quoted body', async () => {
    const result = await body('{"apiKeyValue": sk-live-secret}');
    if (result.ok) throw new Error('expected a failure');
    expect(result.error.code).toBe('INVALID_JSON');
    expect(result.error.cause).toBeInstanceOf(SyntaxError);
    expect(result.error.message).toBe(`The request body is not valid JSON (${(result.error.cause as Error).message}).`);
    const reason = parserReason(result.error);
    expect(reason).not.toContain('sk-live-secret');
    expect(reason).toMatch(/^Unexpected token/);
  });

  it('answers a body over the limit with PAYLOAD_TOO_LARGE', async () => {
    const result = await body('{"a": "0123456789"}', 5);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 5 bytes.' });
  });
});

describe('admin table', () => {
  it.each([
    ['INVALID_INPUT', 400, 'invalid_request'],
    ['INVALID_ARGUMENTS', 400, 'invalid_request'],
    ['NOT_FOUND', 404, 'not_found'],
    ['CONFLICT', 409, 'conflict'],
    ['FORBIDDEN', 403, 'forbidden'],
    ['BLOCKED_ADDRESS', 403, 'forbidden'],
    ['METHOD_NOT_ALLOWED', 405, 'method_not_allowed'],
    ['PAYLOAD_TOO_LARGE', 413, 'payload_too_large'],
    ['STORAGE', 503, 'storage_unavailable'],
  ] as const)('%s → %i %s', (code, status, error) => {
    const { log, lines } = capture();
    const reply = errorReply(err(code, 'msg'), log, 'POST /admin/x');
    expect(reply.status).toBe(status);
    expect((reply.body as Record<string, unknown>).error).toBe(error);
    expect((reply.body as Record<string, unknown>).message).toBe('msg');
    expect(lines).toEqual([]);
  });

  it('a 400 always names a field; other statuses list fields only when there are some; headers go along', () => {
    const { log } = capture();
    expect(errorReply(err('INVALID_INPUT', 'bad'), log, 'w').body).toEqual({
      error: 'invalid_request',
      message: 'bad',
      fields: [{ field: '(body)', message: 'bad' }],
    });
    const issues = [{ field: 'code', message: 'taken' }];
    expect(errorReply(err('CONFLICT', 'dup', issues), log, 'w').body).toEqual({ error: 'conflict', message: 'dup', fields: issues });
    expect(errorReply(err('NOT_FOUND', 'gone'), log, 'w').body).toEqual({ error: 'not_found', message: 'gone' });
    const reply = errorReply(methodNotAllowed('PUT is not allowed', 'GET, POST'), log, 'w');
    expect(reply).toEqual({ status: 405, body: { error: 'method_not_allowed', message: 'PUT is not allowed' }, headers: { allow: 'GET, POST' } });
  });

  it('codes that are not a client mistake, and anything not ours, are a generic 500 logged by name and message', () => {
    for (const [code, mapped] of Object.entries(ADMIN_ERRORS)) {
      if (mapped) continue;
      const { log, lines } = capture();
      const reply = errorReply(err(code as ErrorCode, 'inner detail'), log, 'GET /admin/x');
      expect(reply.status, code).toBe(500);
      expect(reply.body).toEqual({ error: 'internal_error', message: 'The admin API failed unexpectedly; the server log has the details.' });
      expect(lines[0]).toContain('inner detail');
    }
    const { log, lines } = capture();
    expect(errorReply(new TypeError('boom'), log, 'GET /admin/x').status).toBe(500);
    expect(lines).toEqual(['toolwire error: admin GET /admin/x failed unexpectedly (TypeError: boom)\n']);
  });
});

describe('OpenHands table', () => {
  it('INVALID_INPUT and CONFLICT are a 422 detail list: the locations an Unprocessable carries, else the whole body', () => {
    const detail = [{ loc: ['body', 'provider_tokens', 'github', 'token'], msg: 'Field required.', type: 'missing' }];
    expect(detailReply(new Unprocessable(detail))).toEqual({ status: 422, body: { detail }, headers: {} });
    for (const code of ['INVALID_INPUT', 'CONFLICT'] as const) {
      expect(detailReply(err(code, 'dup'))).toEqual({ status: 422, body: { detail: [{ loc: ['body'], msg: 'dup', type: 'value_error' }] }, headers: {} });
    }
  });

  it.each([
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['BLOCKED_ADDRESS', 403],
    ['NOT_FOUND', 404],
    ['METHOD_NOT_ALLOWED', 405],
    ['PAYLOAD_TOO_LARGE', 413],
  ] as const)('%s → %i {detail: message}', (code, status) => {
    expect(detailReply(err(code, 'why', { headers: { allow: 'POST' } }))).toEqual({ status, body: { detail: 'why' }, headers: { allow: 'POST' } });
  });

  it('anything else is a 500 saying nothing was written, logged', () => {
    for (const [code, mapped] of Object.entries(OPENHANDS_ERRORS)) {
      if (mapped) continue;
      const { log, lines } = capture();
      expect(detailReply(err(code as ErrorCode), log, 'POST /api/add-git-providers').status, code).toBe(500);
      expect(lines).toHaveLength(1);
    }
  });
});

describe('Qoder vault table', () => {
  it('answers in the envelope, with param when the error names one', () => {
    expect(vaultErrorReply(invalidRequest("Field 'display_name' is required.", 'display_name'))).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: "Field 'display_name' is required.", param: 'display_name' } },
      headers: {},
    });
    expect(vaultErrorReply(err('INVALID_INPUT', 'bad json', [{ field: '(body)', message: 'x' }])).body).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'bad json' },
    });
    expect(vaultErrorReply(notFound('No vault.'))).toMatchObject({ status: 404, body: { error: { type: 'not_found_error', message: 'No vault.' } } });
    expect(vaultErrorReply(methodNotAllowed('PUT no.', 'GET'))).toEqual({
      status: 405,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'PUT no.' } },
      headers: { allow: 'GET' },
    });
    expect(vaultErrorReply(err('PAYLOAD_TOO_LARGE', 'big'))).toMatchObject({ status: 413, body: { error: { type: 'invalid_request_error' } } });
    expect(vaultErrorReply(err('UNAUTHORIZED', 'who'))).toMatchObject({ status: 401, body: { error: { type: 'TOKEN_INVALID' } } });
  });

  it('anything else is a 500 api_error, logged', () => {
    for (const [code, mapped] of Object.entries(VAULT_ERRORS)) {
      if (mapped) continue;
      const { log, lines } = capture();
      const reply = vaultErrorReply(err(code as ErrorCode), log, 'GET /v1/vaults');
      expect(reply, code).toEqual({
        status: 500,
        body: { type: 'error', error: { type: 'api_error', message: 'The vault API failed unexpectedly; the server log has the details.' } },
      });
      expect(lines).toHaveLength(1);
    }
  });
});

describe('MCP table', () => {
  it('a body that is not JSON or too large is a JSON-RPC parse error with its HTTP status', () => {
    expect(rpcErrorReply(err('INVALID_JSON', 'The request body is not valid JSON (x).'))).toEqual({
      status: 400,
      body: { jsonrpc: '2.0', error: { code: RpcCode.ParseError, message: 'Parse error: The request body is not valid JSON (x).' }, id: null },
    });
    expect(rpcErrorReply(err('PAYLOAD_TOO_LARGE', 'big')).status).toBe(413);
  });

  it('an unknown tool or a bad cursor is invalid params; anything not ours an internal error', () => {
    const mcp = toMcpError(err('NOT_FOUND', 'Unknown tool "x".'));
    expect(mcp).toBeInstanceOf(ProtocolError);
    expect(mcp.code).toBe(RpcCode.InvalidParams);
    expect(mcp.message).toBe('Unknown tool "x".');
    expect(MCP_ERRORS.INVALID_INPUT.rpc).toBe(RpcCode.InvalidParams);
    expect(rpcCodeOf(new Error('bug'))).toBe(RpcCode.InternalError);
    expect(rpcCodeOf(err('UPSTREAM_DOWN'))).toBe(RpcCode.InternalError);
  });
});

describe('CLI table', () => {
  it('a usage mistake exits 2 and points at --help; every other code exits 1 with the message alone', () => {
    expect(cliFailure('USAGE', 'Missing FILE.')).toEqual({ text: 'toolwire: Missing FILE. Run `toolwire --help` for usage.\n', exit: 2 });
    for (const code of Object.keys(CLI_ERRORS) as ErrorCode[]) {
      if (code === 'USAGE') continue;
      expect(cliFailure(code, 'msg'), code).toEqual({ text: 'toolwire: msg\n', exit: 1 });
    }
  });
});
