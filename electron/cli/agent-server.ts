// `strongroom agent run`: the installation's agent (D30), started in the background by a CLI call
// that has just opened the installation itself — for a passphrase installation with the
// passphrase on its stdin (never in its arguments or environment). It unlocks once (the KDF or
// the keychain), then serves KMS operations to the
// user's later CLI calls over a private Unix socket (agent.ts), each through Kms.invoke with the
// caller the CLI names, so every call is validated, authorized and audited exactly as a direct
// one. It stops after DEFAULT_AGENT_IDLE_SECONDS without a call, after DEFAULT_AGENT_MAX_SECONDS
// in all, on SIGTERM/SIGINT or `strongroom agent stop`, and when its database file is replaced
// or removed (a restore, a deleted installation).

import { FILES_SERVICE } from '../kms/managed-keys.ts';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { operations, type OperationName } from '../../shared/api/operations.ts';
import type { Kms } from '../kms/engine.ts';
import { InstallationError, KmsError } from '../kms/errors.ts';
import { DATABASE_FILE } from '../kms/store/database.ts';
import { processAlive } from '../kms/storage/stray-folders.ts';
import {
  AGENT_INSTALLATION,
  AGENT_STOP,
  agentPaths,
  connectAgent,
  DEFAULT_AGENT_IDLE_SECONDS,
  DEFAULT_AGENT_MAX_SECONDS,
  encodeReply,
  ensurePrivateDir,
  secretsEqual,
  type AgentPaths,
  type AgentReply,
  type AgentRequest,
} from './agent.ts';

export type AgentOptions = {
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly userAgent: string;
  /** Opens the installation (the passphrase comes from the agent's stdin). */
  readonly open: () => Promise<Kms>;
};

/** What a connection needs from the running agent. */
type Session = {
  readonly secret: string;
  readonly kms: Kms;
  readonly userAgent: string;
  /** False once the database file is not the one the agent opened. */
  readonly fresh: () => boolean;
  /** A call arrived: the idle expiry starts again. */
  readonly touched: () => void;
  readonly stop: () => void;
};

function secondsFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function databaseIdentity(dataDir: string): string | null {
  try {
    const s = statSync(join(dataDir, DATABASE_FILE));
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

function errorReply(err: unknown): AgentReply {
  if (err instanceof KmsError) {
    return { error: { kind: 'kms', name: err.name, message: err.message, ...(err.denial === undefined ? {} : { denial: err.denial }) } };
  }
  if (err instanceof InstallationError) {
    return { error: { kind: 'installation', name: err.name, message: err.message, problem: err.problem } };
  }
  return { error: { kind: 'other', name: 'Error', message: err instanceof Error ? err.message : String(err) } };
}

/** Runs the agent until it expires or is stopped; resolves with the exit code. */
export async function runAgent(o: AgentOptions): Promise<number> {
  const paths = agentPaths(o.dataDir, o.env);
  if (!ensurePrivateDir(paths.dir)) {
    return 1;
  }
  // One agent per installation: two first calls at once would otherwise both listen, and the one
  // whose socket the other replaced would, when it stops, unlink the other's socket with its own.
  if (!takeStartLock(paths.lock)) {
    return 0; // Another agent is starting or serving this installation.
  }
  if ((await connectAgent(o.dataDir, o.env)) !== null) {
    releaseStartLock(paths.lock);
    return 0; // Another agent already serves this installation.
  }
  let kms: Awaited<ReturnType<AgentOptions['open']>>;
  try {
    kms = await o.open();
  } catch (err) {
    releaseStartLock(paths.lock);
    throw err;
  }
  const database = databaseIdentity(o.dataDir);
  kms.startTimers();
  const secret = randomBytes(32).toString('hex');
  const idleMs = secondsFrom(o.env, 'STRONGROOM_AGENT_IDLE_SECONDS', DEFAULT_AGENT_IDLE_SECONDS) * 1000;
  const maxMs = secondsFrom(o.env, 'STRONGROOM_AGENT_MAX_SECONDS', DEFAULT_AGENT_MAX_SECONDS) * 1000;
  let idle = setTimeout(() => shutdown(), idleMs);
  const session: Session = {
    secret,
    kms,
    userAgent: o.userAgent,
    fresh: () => databaseIdentity(o.dataDir) === database,
    touched: () => {
      clearTimeout(idle);
      idle = setTimeout(() => shutdown(), idleMs);
    },
    stop: () => shutdown(),
  };
  let server: Server | null = null;
  try {
    server = await listen(paths, session);
  } catch (err) {
    clearTimeout(idle);
    kms.close();
    releaseStartLock(paths.lock);
    throw err;
  }
  const hardStop = setTimeout(() => shutdown(), maxMs);
  const watch = setInterval(() => {
    if (databaseIdentity(o.dataDir) !== database) {
      shutdown();
    }
  }, Math.min(2000, idleMs));

  let stopped: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  let stopping = false;
  function shutdown(): void {
    if (stopping) {
      return;
    }
    stopping = true;
    clearTimeout(idle);
    clearTimeout(hardStop);
    clearInterval(watch);
    removeOwnFiles(paths, secret);
    server?.close();
    kms.close();
    releaseStartLock(paths.lock);
    stopped();
  }
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await done;
  return 0;
}

/**
 * The installation's agent lock: a file holding the pid of the agent that owns the socket,
 * created exclusively. A lock whose process is gone (killed, crashed) is taken over.
 */
function takeStartLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && processAlive(holder)) {
      return false;
    }
    try {
      unlinkSync(lock);
    } catch {
      // Another agent took it over first; the next attempt sees its pid.
    }
  }
  return false;
}

/** Removes the lock only while it is still this process's. */
function releaseStartLock(lock: string): void {
  try {
    if (readFileSync(lock, 'utf8').trim() === String(process.pid)) {
      unlinkSync(lock);
    }
  } catch {
    // Already gone.
  }
}

/** Removes the socket and secret only while they are still this agent's (a newer agent may have replaced them). */
function removeOwnFiles(paths: AgentPaths, secret: string): void {
  try {
    if (readFileSync(paths.secret, 'utf8').trim() !== secret) {
      return;
    }
    unlinkSync(paths.secret);
  } catch {
    return;
  }
  try {
    unlinkSync(paths.socket);
  } catch {
    // Already gone.
  }
}

async function listen(paths: AgentPaths, session: Session): Promise<Server> {
  const server = createServer((socket) => serveConnection(socket, session));
  try {
    unlinkSync(paths.socket); // A socket left by an agent that died: nobody answers on it (checked above).
  } catch {
    // None.
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(paths.socket, () => resolve());
  });
  // The folder is already owner-only; the socket is too, in case the folder's mode is ever loosened.
  chmodSync(paths.socket, 0o600);
  // The secret appears last, whole (written beside, renamed): a client that reads it finds the socket listening.
  const staging = `${paths.secret}.${process.pid}`;
  writeFileSync(staging, `${session.secret}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(staging, paths.secret);
  return server;
}

function serveConnection(socket: Socket, session: Session): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > 64 * 1024 * 1024) {
      socket.destroy();
      return;
    }
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let request: AgentRequest;
      try {
        request = JSON.parse(line) as AgentRequest;
      } catch {
        socket.destroy();
        return;
      }
      if (typeof request.secret !== 'string' || !secretsEqual(request.secret, session.secret)) {
        socket.end(encodeReply({ error: { kind: 'refused', name: 'AgentRefused', message: 'wrong agent secret' } }) + '\n');
        socket.destroy();
        return;
      }
      if (!session.fresh()) {
        socket.end(encodeReply({ error: { kind: 'refused', name: 'AgentStale', message: 'the installation changed under the agent' } }) + '\n');
        session.stop();
        return;
      }
      session.touched();
      socket.write(`${encodeReply(handle(request, session))}\n`);
    }
  });
}

function handle(request: AgentRequest, { kms, userAgent, stop }: Session): AgentReply {
  if (request.operation === AGENT_STOP) {
    setImmediate(stop);
    return { output: {} };
  }
  if (request.operation === AGENT_INSTALLATION) {
    const filesKey = kms.managedKeyArn(FILES_SERVICE);
    return { output: { AccountId: kms.installation.accountId, Region: kms.installation.region, ...(filesKey === null ? {} : { ManagedFilesKeyArn: filesKey }) } };
  }
  if (typeof request.operation !== 'string' || !Object.hasOwn(operations, request.operation)) {
    return { error: { kind: 'refused', name: 'AgentRefused', message: `not an operation: ${String(request.operation)}` } };
  }
  try {
    const caller = request.as === undefined ? undefined : kms.callerFor(request.as, userAgent);
    // Only file encryption may call through a service here: a client naming another (secretsmanager) is refused.
    if (request.via !== undefined && request.via !== FILES_SERVICE) {
      return { error: { kind: 'refused', name: 'AgentRefused', message: `not a service the agent calls through: ${String(request.via)}` } };
    }
    const output = kms.invokeSync(request.operation as OperationName, request.input, { blobs: 'base64', ...(caller === undefined ? {} : { caller }), ...(request.via === undefined ? {} : { viaService: FILES_SERVICE }) });
    return { output: output as Record<string, unknown> };
  } catch (err) {
    return errorReply(err);
  }
}
