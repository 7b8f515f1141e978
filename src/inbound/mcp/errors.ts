import { ProtocolError, ProtocolErrorCode as RpcCode } from '@modelcontextprotocol/server';
import { type ErrorCode, ToolwireError } from '../../core/errors.js';

/**
 * How MCP answers a failure that is not a tool's own: a JSON-RPC error code, and the HTTP status when
 * the HTTP endpoint answers before the SDK's transport sees the request. A tool call that fails
 * answers an `isError` result instead, whatever the code (the tool entries catch their failures).
 */
export const MCP_ERRORS: Record<ErrorCode, { rpc: number; http: number }> = {
  INVALID_JSON: { rpc: RpcCode.ParseError, http: 400 },
  PAYLOAD_TOO_LARGE: { rpc: RpcCode.ParseError, http: 413 },
  NOT_FOUND: { rpc: RpcCode.InvalidParams, http: 404 }, // an unknown tool
  INVALID_INPUT: { rpc: RpcCode.InvalidParams, http: 400 }, // a bad cursor
  INVALID_ARGUMENTS: { rpc: RpcCode.InvalidParams, http: 400 },
  CONFLICT: { rpc: RpcCode.InternalError, http: 500 },
  FORBIDDEN: { rpc: RpcCode.InternalError, http: 500 },
  UNAUTHORIZED: { rpc: RpcCode.InternalError, http: 500 },
  METHOD_NOT_ALLOWED: { rpc: RpcCode.InternalError, http: 500 },
  USAGE: { rpc: RpcCode.InternalError, http: 500 },
  CONFIG: { rpc: RpcCode.InternalError, http: 500 },
  WRONG_KEY: { rpc: RpcCode.InternalError, http: 500 },
  STORAGE: { rpc: RpcCode.InternalError, http: 500 },
  UPSTREAM_STATUS: { rpc: RpcCode.InternalError, http: 500 },
  UPSTREAM_TIMEOUT: { rpc: RpcCode.InternalError, http: 500 },
  UPSTREAM_NETWORK: { rpc: RpcCode.InternalError, http: 500 },
  UPSTREAM_TOO_LARGE: { rpc: RpcCode.InternalError, http: 500 },
  UPSTREAM_DOWN: { rpc: RpcCode.InternalError, http: 500 },
  CANCELLED: { rpc: RpcCode.InternalError, http: 500 }, // never sent: a cancelled request gets no answer
  BLOCKED_ADDRESS: { rpc: RpcCode.InternalError, http: 500 },
  AUTH_FETCH: { rpc: RpcCode.InternalError, http: 500 },
  INTERNAL: { rpc: RpcCode.InternalError, http: 500 },
};

/** The JSON-RPC error code for any thrown value: ours by the table, anything else an internal error. */
export function rpcCodeOf(err: unknown): number {
  return err instanceof ToolwireError ? MCP_ERRORS[err.code].rpc : RpcCode.InternalError;
}

/** The error the SDK's Server sends as it is (it reads a numeric `code`; ours are words). */
export function toMcpError(err: ToolwireError): ProtocolError {
  return new ProtocolError(MCP_ERRORS[err.code].rpc, err.message);
}

/** The JSON-RPC error body for a request the SDK never saw, with its HTTP status. */
export function rpcErrorReply(err: ToolwireError): { status: number; body: { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } } {
  const { rpc, http } = MCP_ERRORS[err.code];
  const message = rpc === RpcCode.ParseError ? `Parse error: ${err.message}` : err.message;
  return { status: http, body: { jsonrpc: '2.0', error: { code: rpc, message }, id: null } };
}
