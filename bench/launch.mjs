// Starting toolwire as a user's client would: over stdio (SDK Client or raw lines) and over HTTP.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { MODERN_META } from './load.mjs';

/** The built CLI; BENCH_CLI points at another build (bench/ab.mjs compares two). */
export const CLI = process.env.BENCH_CLI || new URL('../dist/cli.js', import.meta.url).pathname;

/** A fresh temp database with its own key and client token. */
export function freshEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'toolwire-bench-'));
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    TOOLWIRE_DB: join(dir, 'bench.db'),
    TOOLWIRE_SECRET_KEY: randomBytes(32).toString('hex'),
    TOOLWIRE_TOKEN: randomBytes(24).toString('hex'),
    TOOLWIRE_LOG_LEVEL: 'warn',
  };
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const clientInfo = { name: 'toolwire-bench', version: '1.0.0' };

/** toolwire over stdio with an SDK Client; `pid` is the server process. */
export async function startStdio(env, nodeArgs = [], cli = CLI) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...nodeArgs, cli, 'serve'], env, stderr: 'inherit' });
  const client = new Client(clientInfo);
  await client.connect(transport);
  return { client, pid: transport.pid, close: () => client.close() };
}

/**
 * toolwire over stdio driven with raw JSON-RPC lines (no SDK on the client side), to separate the
 * server's cost from the SDK client's. `call()` resolves with the parsed answer.
 */
export async function startRawStdio(env, nodeArgs = [], cli = CLI, { modern = false } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map();
  let nextId = 1;
  let parts = []; // the unfinished line, in chunks (a 300 KB tools/list page arrives in several)
  child.stdout.on('data', (chunk) => {
    let start = 0;
    let nl;
    while ((nl = chunk.indexOf(10, start)) !== -1) {
      parts.push(chunk.subarray(start, nl));
      const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = [];
      start = nl + 1;
      const msg = JSON.parse(line.toString('utf8'));
      const resolve = pending.get(msg.id);
      if (resolve) {
        pending.delete(msg.id);
        resolve(msg);
      }
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  });
  const request = (method, params) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  // 2026-07-28 has no handshake: every request carries its envelope (the connection is pinned by the first).
  if (!modern) {
    await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  }
  const meta = modern ? { _meta: MODERN_META } : {};
  return {
    pid: child.pid,
    call: (name, args) => request('tools/call', { name, arguments: args, ...meta }),
    request,
    close: () => stopChild(child),
  };
}

/** toolwire over Streamable HTTP on a free loopback port; resolves once it prints its URL. */
export async function startHttp(env, { stateless = false, nodeArgs = [], cli = CLI } = {}) {
  const args = [...nodeArgs, cli, 'serve', '--http', '--host', '127.0.0.1', '--port', '0', ...(stateless ? ['--stateless'] : [])];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /MCP URL:\s+(\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`toolwire serve --http exited with ${code} before printing its URL`)));
  });
  return { pid: child.pid, url, token: env.TOOLWIRE_TOKEN, close: () => stopChild(child) };
}

/**
 * An SDK Client connected to a running HTTP server. The SDK's transport adds an abort listener per
 * POST to one long-lived signal (thousands in a run, with warnings and a growing cost), so the bench
 * strips the signal from POSTs.
 */
export async function connectHttpClient(url, token) {
  const fetchWithoutSignal = (input, init) => fetch(input, init?.method === 'POST' ? { ...init, signal: undefined } : init);
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: fetchWithoutSignal,
  });
  const client = new Client(clientInfo);
  await client.connect(transport);
  return { client, close: () => client.close() };
}

export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
