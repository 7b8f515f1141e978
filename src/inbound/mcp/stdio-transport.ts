import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from '../../registry/registry.js';
import { answerToolCall, asToolCall } from './fast-call.js';

/** The SDK's stdio limit: a single message over 10 MB is refused (paginate instead). */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * Newline-delimited JSON-RPC over stdin/stdout, like the SDK's StdioServerTransport, with the
 * tools/call fast path in front: those requests are answered from the registry directly; every
 * other message is validated with the SDK's schema and handed to the SDK server.
 * Answers written in the same tick go out in one write (cork), which matters under load.
 */
export class FastStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private buffer: Buffer | null = null;
  private corked = false;

  constructor(
    private readonly registry: Registry,
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream & { cork(): void; uncork(): void } = process.stdout,
  ) {}

  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.buffer.length > MAX_LINE_BYTES && this.buffer.indexOf(10) === -1) {
      this.buffer = null;
      this.onerror?.(new Error(`A message over ${MAX_LINE_BYTES} bytes was refused.`));
      return;
    }
    let newline: number;
    while (this.buffer && (newline = this.buffer.indexOf(10)) !== -1) {
      const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
      this.buffer = newline + 1 < this.buffer.length ? this.buffer.subarray(newline + 1) : null;
      if (line.trim() !== '') this.receive(line);
    }
  };

  private readonly onError = (error: Error) => this.onerror?.(error);

  private receive(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    const call = asToolCall(parsed);
    if (call) {
      void answerToolCall(this.registry, call).then((answer) => this.send(answer));
      return;
    }
    const checked = JSONRPCMessageSchema.safeParse(parsed);
    if (checked.success) this.onmessage?.(checked.data);
    else this.onerror?.(new Error(`Invalid JSON-RPC message: ${checked.error.message}`));
  }

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.corked) {
      this.corked = true;
      this.stdout.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stdout.uncork();
      });
    }
    this.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    this.buffer = null;
    this.onclose?.();
  }
}
