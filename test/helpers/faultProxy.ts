/**
 * @module An HTTP proxy on 127.0.0.1 in front of an S3 endpoint that forwards every request unchanged
 * (the Host header too, so SigV4 signatures stay valid), records what it saw, and injects faults by
 * rule: S3's 503 SlowDown or 500 InternalError, a delay before forwarding (for client timeouts), a
 * connection reset before any response, or a response cut off mid-body.
 *
 *   const proxy = await startFaultProxy((await s3TestServer()).endpoint);
 *   const client = s3TestClient({ endpoint: proxy.endpoint });
 *   const fault = proxy.addFault({ method: 'GET', path: /\/AWSLogs\//, times: 2, kind: 'slowdown' });
 *   … fault.fired === 2; proxy.requests.map((r) => r.query.prefix) …
 *   await proxy.close();
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type FaultKind =
  /** 503 with S3's `SlowDown` error body (a throttling error: the SDK retries it). */
  | 'slowdown'
  /** 500 with S3's `InternalError` error body (the SDK retries it). */
  | 'internal-error'
  /** Waits `delayMs`, then forwards the request as usual. */
  | 'delay'
  /** Destroys the connection before any response. */
  | 'reset'
  /** Forwards, sends the status, the headers and the first `afterBytes` of the body, then destroys the connection. */
  | 'truncate';

interface FaultRule {
  readonly kind: FaultKind;
  /** HTTP method to match (any case); default any. */
  readonly method?: string;
  /** Tested against the decoded path, e.g. `/bucket/AWSLogs/1234/x.json.gz`; default any. */
  readonly path?: RegExp;
  /** Tested against the decoded query string without `?`, e.g. `list-type=2&prefix=AWSLogs/`; default any. */
  readonly query?: RegExp;
  /** Fault only the nth matching request (1-based). Not with `after` or `times`. */
  readonly nth?: number;
  /** Let this many matching requests through before faulting any (default 0). */
  readonly after?: number;
  /** Fault at most this many requests (default: no limit). */
  readonly times?: number;
  /** Fault each eligible request with this probability (0–1; seeded, so runs repeat). Default 1. */
  readonly fraction?: number;
  /** For `delay`: milliseconds to wait (default 5000). */
  readonly delayMs?: number;
  /** For `truncate`: body bytes sent before the cut (default half the Content-Length, at least 1). */
  readonly afterBytes?: number;
}

/** A rule that was added, with its counters. */
interface Fault {
  readonly rule: FaultRule;
  /** Requests that matched the rule's method, path and query (and were tried against it). */
  readonly matched: number;
  /** Requests the rule faulted. */
  readonly fired: number;
  /** Stops the rule. */
  remove(): void;
}

/** One request the proxy received, in arrival order. */
interface SeenRequest {
  readonly method: string;
  /** Decoded path, e.g. `/bucket/AWSLogs/1234/`. */
  readonly path: string;
  /** Decoded query parameters; a parameter without value (`?versioning`) is `''`. */
  readonly query: Readonly<Record<string, string>>;
  /** The request target as sent (path and query, encoded). */
  readonly url: string;
  /** The fault injected into it, or null when it was forwarded unchanged. */
  readonly fault: FaultKind | null;
}

interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Every request received so far (clear it with `proxy.requests.length = 0`). */
  readonly requests: SeenRequest[];
  addFault(rule: FaultRule): Fault;
  /** Removes every rule. */
  clearFaults(): void;
  /** Stops listening, drops open connections and pending delays. */
  close(): Promise<void>;
}

interface FaultProxyOptions {
  /** Seed of the generator behind `fraction` (default 1). */
  readonly seed?: number;
}

const S3_ERRORS = {
  slowdown: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  'internal-error': {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  },
} as const;

/** Headers that belong to one connection, not to the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'expect', 'te']);

/** mulberry32: small, seedable, good enough to pick a fraction of requests. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function validate(rule: FaultRule): void {
  if (rule.nth !== undefined && (rule.after !== undefined || rule.times !== undefined)) {
    throw new Error('addFault: nth cannot be combined with after or times');
  }
  for (const key of ['nth', 'after', 'times', 'delayMs', 'afterBytes'] as const) {
    const value = rule[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= (key === 'nth' ? 1 : 0))) {
      throw new Error(`addFault: ${key} must be a whole number${key === 'nth' ? ' ≥ 1' : ' ≥ 0'}`);
    }
  }
  if (rule.fraction !== undefined && !(rule.fraction >= 0 && rule.fraction <= 1)) {
    throw new Error('addFault: fraction must be between 0 and 1');
  }
}

class RuleState implements Fault {
  matched = 0;
  fired = 0;
  removed = false;
  private readonly after: number;
  private readonly times: number;

  constructor(readonly rule: FaultRule) {
    this.after = rule.nth !== undefined ? rule.nth - 1 : (rule.after ?? 0);
    this.times = rule.nth !== undefined ? 1 : (rule.times ?? Number.POSITIVE_INFINITY);
  }

  remove(): void {
    this.removed = true;
  }

  matches(method: string, path: string, query: string): boolean {
    const { rule } = this;
    return (
      !this.removed &&
      (rule.method === undefined || rule.method.toUpperCase() === method) &&
      (rule.path === undefined || rule.path.test(path)) &&
      (rule.query === undefined || rule.query.test(query))
    );
  }

  /** Counts a matching request and says whether to fault it. */
  decide(random: () => number): boolean {
    this.matched += 1;
    if (this.matched <= this.after || this.fired >= this.times) return false;
    if (this.rule.fraction !== undefined && random() >= this.rule.fraction) return false;
    this.fired += 1;
    return true;
  }
}

function sendS3Error(req: IncomingMessage, res: ServerResponse, kind: 'slowdown' | 'internal-error'): void {
  const { status, code, message } = S3_ERRORS[kind];
  const requestId = `fault-proxy-${Date.now().toString(36)}`;
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><Resource>${req.url ?? ''}</Resource>` +
    `<RequestId>${requestId}</RequestId></Error>`;
  // Read the request body first, so the client is not writing into a closed connection.
  req.resume();
  req.once('end', () => {
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      'x-amz-request-id': requestId,
    });
    res.end(body);
  });
}

/** Starts a fault-injecting proxy in front of `target` (e.g. `http://127.0.0.1:7480`). */
async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`startFaultProxy: only http targets (${target})`);
  const agent = new Agent({ keepAlive: true });
  const random = seededRandom(options.seed ?? 1);
  const rules: RuleState[] = [];
  const requests: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  /** Forwards `req`; with `truncate`, cuts the response after `truncate.afterBytes` body bytes. */
  const forward = (req: IncomingMessage, res: ServerResponse, truncate?: { afterBytes?: number }): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port || 80,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (upRes) => {
        const raw = upRes.rawHeaders;
        const outHeaders: string[] = [];
        for (let i = 0; i + 1 < raw.length; i += 2) {
          if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) outHeaders.push(raw[i]!, raw[i + 1]!);
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, outHeaders);
        if (truncate === undefined) {
          upRes.pipe(res);
          return;
        }
        const length = Number(upRes.headers['content-length'] ?? Number.NaN);
        const limit =
          truncate.afterBytes ?? (Number.isFinite(length) ? Math.max(1, Math.floor(length / 2)) : 1);
        let sent = 0;
        const cut = (): void => {
          upRes.destroy();
          res.socket?.destroy();
        };
        res.flushHeaders();
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          if (sent >= limit) res.write(part, cut);
          else res.write(part);
        });
        upRes.on('end', () => {
          // A body no longer than the limit: cut after what there was.
          if (sent < limit) cut();
        });
      },
    );
    up.on('error', (error) => {
      if (res.headersSent) res.socket?.destroy();
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream error: ${error.message}`);
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };

  const server = createServer((req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = decode(q < 0 ? url : url.slice(0, q));
    const search = q < 0 ? '' : url.slice(q + 1);
    const query = Object.fromEntries(new URLSearchParams(search));
    const queryText = decode(search);

    let fault: RuleState | undefined;
    for (const rule of rules) {
      if (rule.matches(method, path, queryText) && rule.decide(random)) {
        fault = rule;
        break;
      }
    }
    const kind = fault?.rule.kind ?? null;
    requests.push({ method, path, query, url, fault: kind });

    switch (kind) {
      case null:
        forward(req, res);
        return;
      case 'slowdown':
      case 'internal-error':
        sendS3Error(req, res, kind);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncate':
        forward(req, res, { afterBytes: fault?.rule.afterBytes });
        return;
      case 'delay': {
        req.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) forward(req, res);
        }, fault?.rule.delayMs ?? 5000);
        timers.add(timer);
        req.socket.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client that gives up (timeout, destroyed socket) must not crash the proxy.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    addFault(rule) {
      validate(rule);
      const state = new RuleState(rule);
      rules.push(state);
      return state;
    },
    clearFaults() {
      for (const rule of rules) rule.remove();
      rules.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}

export type { Fault, FaultKind, FaultProxy, FaultProxyOptions, FaultRule, SeenRequest };
export { startFaultProxy };
