// The installation's agent (D30), client side: where its socket and secret
// live, the checks that make them private, and one KMS call over the socket. Loaded by every
// operation call, so it uses nothing but Node built-ins and the shared base64 codec.
//
// The agent runs as `strongroom agent run` (agent-server.ts), started by a CLI call that has just
// unlocked a passphrase installation. It holds the unlocked engine for a while and serves KMS
// operations over a Unix socket, so the next calls skip the KDF. Privacy is layered as ssh-agent
// and gpg-agent do it: a folder only the user can enter (0700, owned by them, not a symlink), a
// socket only the user can open (0600), and a random secret in a 0600 file in that folder that
// every request must carry.

import { createHash, timingSafeEqual } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBase64 } from '../../shared/api/base64.ts';

export type AgentPaths = { readonly dir: string; readonly socket: string; readonly secret: string; readonly lock: string };

/** Idle expiry, as gpg-agent's default-cache-ttl: an unused agent locks itself after 10 minutes. */
export const DEFAULT_AGENT_IDLE_SECONDS = 600;
/** Hard expiry, as gpg-agent's max-cache-ttl: used or not, an agent stops after 2 hours. */
export const DEFAULT_AGENT_MAX_SECONDS = 7200;

/** The request that stops the agent (`strongroom agent stop`). */
export const AGENT_STOP = 'agent-stop';
/** The request for the installation's account and region (what file commands need to know its key ARNs). */
export const AGENT_INSTALLATION = 'agent-installation';
// Every other request names an operation.

/** A request on the socket: one JSON line. */
export type AgentRequest = {
  readonly secret: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** `--as <principal>`; the installation owner when absent. */
  readonly as?: string;
  /** The Strongroom service making the call (file encryption on its managed key); the agent accepts only that one. */
  readonly via?: string;
};

/** The reply: the operation's output, or the error as the direct call would have thrown it. */
export type AgentReply =
  | { readonly output: Record<string, unknown> }
  | {
      readonly error: {
        readonly kind: 'kms' | 'installation' | 'other' | 'refused';
        readonly name: string;
        readonly message: string;
        readonly problem?: string;
        /** A policy refusal's key, aliases and deciding statement (KmsError.denial). */
        readonly denial?: unknown;
      };
    };

/** The per-user folder for agent sockets: $XDG_RUNTIME_DIR/strongroom, else <tmp>/strongroom-<uid>. */
export function agentDir(env: NodeJS.ProcessEnv): string {
  const uid = process.getuid?.() ?? 0;
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime !== undefined && runtime !== '' ? join(runtime, 'strongroom') : join(tmpdir(), `strongroom-${uid}`);
}

/** One agent per data directory: the file names carry a hash of its real path. */
export function agentPaths(dataDir: string, env: NodeJS.ProcessEnv): AgentPaths {
  let real = dataDir;
  try {
    real = realpathSync(dataDir);
  } catch {
    // Not there (yet): the name from the path as given.
  }
  const id = createHash('sha256').update(real).digest('hex').slice(0, 20);
  const dir = agentDir(env);
  return { dir, socket: join(dir, `agent-${id}.sock`), secret: join(dir, `agent-${id}.secret`), lock: join(dir, `agent-${id}.lock`) };
}

/** True when `path` is a real folder (not a symlink) of this user that nobody else can enter. */
export function isPrivateDir(path: string): boolean {
  try {
    const s = lstatSync(path);
    return s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** Creates the agent folder owner-only if missing; false when it exists but is not private. */
export function ensurePrivateDir(path: string): boolean {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  return isPrivateDir(path);
}

/** The secret from a regular 0600 file of this user, or null. */
export function readSecret(path: string): string | null {
  try {
    const s = lstatSync(path);
    if (!s.isFile() || s.uid !== process.getuid?.() || (s.mode & 0o077) !== 0) {
      return null;
    }
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** A request as one JSON line: bytes in the input go as standard base64, as the agent validates blobs. */
function encodeRequest(request: AgentRequest): string {
  return JSON.stringify(request, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? encodeBase64(raw) : value;
  });
}

/** Dates cross as {"$date": ISO} and bytes as {"$bytes": base64}, so the client gets back what the engine returned. */
export function encodeReply(reply: AgentReply): string {
  return JSON.stringify(reply, function (this: Record<string, unknown>, key, value: unknown) {
    // JSON.stringify calls toJSON (Date, Buffer) before the replacer sees the value: look at the holder's own property.
    const raw = this[key];
    if (raw instanceof Date) {
      return { $date: raw.toISOString() };
    }
    if (raw instanceof Uint8Array) {
      return { $bytes: encodeBase64(raw) };
    }
    return value;
  });
}

export function decodeReply(line: string): AgentReply {
  return JSON.parse(line, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const { $date: date, $bytes: bytes } = value as { $date?: unknown; $bytes?: unknown };
      if (keys.length === 1 && typeof date === 'string') {
        return new Date(date);
      }
      if (keys.length === 1 && typeof bytes === 'string') {
        return Buffer.from(bytes, 'base64');
      }
    }
    return value;
  }) as AgentReply;
}

/** A connection to a running agent; `call` sends one operation and resolves with the reply. */
export type AgentConnection = {
  call(operation: string, input: Record<string, unknown>, as: string | undefined, via?: string): Promise<AgentReply>;
  close(): void;
};

/**
 * The agent for this data directory when one is running and everything about it is private;
 * null otherwise (the caller then opens the installation itself). Never throws.
 */
export async function connectAgent(dataDir: string, env: NodeJS.ProcessEnv): Promise<AgentConnection | null> {
  if (env.STRONGROOM_AGENT === 'off') {
    return null;
  }
  const paths = agentPaths(dataDir, env);
  if (!isPrivateDir(paths.dir)) {
    return null;
  }
  const secret = readSecret(paths.secret);
  if (secret === null) {
    return null;
  }
  // node:net only now: a call with no agent to talk to does not pay for loading it.
  const { connect } = await import('node:net');
  const socket = await new Promise<ReturnType<typeof connect> | null>((resolve) => {
    const s = connect(paths.socket);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  });
  if (socket === null) {
    return null;
  }
  let buffered = '';
  const waiting: Array<(line: string | null) => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const fail = (): void => {
    for (const w of waiting.splice(0)) {
      w(null);
    }
  };
  socket.on('close', fail);
  socket.on('error', fail);
  return {
    call: (operation, input, as, via) =>
      new Promise((resolve) => {
        waiting.push((line) =>
          resolve(line === null ? { error: { kind: 'refused', name: 'AgentGone', message: 'the agent closed the connection' } } : decodeReply(line)),
        );
        const request: AgentRequest = { secret, operation, input, ...(as === undefined ? {} : { as }), ...(via === undefined ? {} : { via }) };
        socket.write(`${encodeRequest(request)}\n`);
      }),
    close: () => socket.destroy(),
  };
}
