// File jobs: one store for the whole window, so progress keeps arriving (and is still there)
// when the user leaves the Files screen and comes back. It subscribes to onFileProgress once,
// keeps every job's files by id, and says in words what just finished for a live region.

import { useSyncExternalStore } from 'react';
import type { FileProgress } from '../../../shared/api/bridge.ts';
import { getBridge } from '../bridge/index.ts';
import { errorText } from './errors.ts';

export type JobKind = 'encrypt' | 'decrypt';

export type Job = {
  readonly jobId: string;
  readonly kind: JobKind | null;
  /** Files in the order they were first reported. */
  readonly files: ReadonlyArray<FileProgress>;
  /** Cancel was asked for. */
  readonly cancelling: boolean;
};

export type JobsSnapshot = {
  /** Newest first. */
  readonly jobs: ReadonlyArray<Job>;
  /** The last thing worth announcing ("report.pdf encrypted"), with a counter so a repeat is announced again. */
  readonly announcement: { readonly text: string; readonly n: number };
};

export function isJobActive(job: Job): boolean {
  return job.files.some((f) => f.state === 'queued' || f.state === 'running');
}

/** What a finished file's progress says, in words. */
/**
 * A decrypted file's key and context in words: "Opened with alias/files (1234…); encryption
 * context: project=apollo, owner=alice" — the key by its alias when it has one.
 */
export function openedByText(openedBy: NonNullable<FileProgress['openedBy']>, aliasesByKeyId: ReadonlyMap<string, ReadonlyArray<string>>): string {
  const id = /:key\/(.+)$/.exec(openedBy.keyArn)?.[1] ?? openedBy.keyArn;
  const alias = aliasesByKeyId.get(id)?.[0];
  const pairs = Object.entries(openedBy.encryptionContext).map(([k, v]) => `${k}=${v}`);
  return `Opened with ${alias === undefined ? id : `${alias} (${id})`}; encryption context: ${pairs.length === 0 ? 'none' : pairs.join(', ')}`;
}

export function describeFileState(p: FileProgress, kind: JobKind | null): string {
  switch (p.state) {
    case 'queued':
      return 'Waiting';
    case 'running':
      return kind === 'decrypt' ? 'Decrypting' : kind === 'encrypt' ? 'Encrypting' : 'Working';
    case 'done':
      return kind === 'decrypt' ? `Decrypted${p.outputName === undefined ? '' : ` to ${p.outputName}`}` : `Encrypted${p.outputName === undefined ? '' : ` to ${p.outputName}`}`;
    case 'failed':
      return p.error === undefined ? 'Failed' : `Failed. ${errorText(p.error)}`;
    case 'cancelled':
      return 'Cancelled';
  }
}

export class FileJobStore {
  #jobs = new Map<string, { kind: JobKind | null; files: Map<string, FileProgress>; cancelling: boolean; order: number }>();
  #listeners = new Set<() => void>();
  #snapshot: JobsSnapshot = { jobs: [], announcement: { text: '', n: 0 } };
  #announcement = { text: '', n: 0 };
  #order = 0;
  #subscribed = false;
  readonly #subscribeBridge: (listener: (p: FileProgress) => void) => (() => void) | null;

  constructor(subscribeBridge: (listener: (p: FileProgress) => void) => (() => void) | null) {
    this.#subscribeBridge = subscribeBridge;
  }

  #ensureSubscribed(): void {
    if (this.#subscribed) {
      return;
    }
    const unsubscribe = this.#subscribeBridge((p) => {
      this.progress(p);
    });
    this.#subscribed = unsubscribe !== null;
  }

  #job(jobId: string): { kind: JobKind | null; files: Map<string, FileProgress>; cancelling: boolean; order: number } {
    let job = this.#jobs.get(jobId);
    if (job === undefined) {
      job = { kind: null, files: new Map(), cancelling: false, order: this.#order++ };
      this.#jobs.set(jobId, job);
    }
    return job;
  }

  /** A job the window started (progress may already have arrived for it). */
  started(jobId: string, kind: JobKind): void {
    this.#job(jobId).kind = kind;
    this.#emit();
  }

  cancelling(jobId: string, value: boolean): void {
    this.#job(jobId).cancelling = value;
    this.#emit();
  }

  progress(p: FileProgress): void {
    const job = this.#job(p.jobId);
    const before = job.files.get(p.fileId);
    job.files.set(p.fileId, p);
    if (before?.state !== p.state && (p.state === 'done' || p.state === 'failed' || p.state === 'cancelled')) {
      this.#announcement = { text: `${p.name}: ${describeFileState(p, job.kind)}`, n: this.#announcement.n + 1 };
    }
    this.#emit();
  }

  /** Forgets finished jobs. */
  clearFinished(): void {
    for (const [id, job] of this.#jobs) {
      if (![...job.files.values()].some((f) => f.state === 'queued' || f.state === 'running')) {
        this.#jobs.delete(id);
      }
    }
    this.#emit();
  }

  #emit(): void {
    const jobs = [...this.#jobs.entries()]
      .sort((a, b) => b[1].order - a[1].order)
      .map(([jobId, j]) => ({ jobId, kind: j.kind, files: [...j.files.values()], cancelling: j.cancelling && [...j.files.values()].some((f) => f.state === 'queued' || f.state === 'running') }));
    this.#snapshot = { jobs, announcement: this.#announcement };
    for (const l of this.#listeners) {
      l();
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#ensureSubscribed();
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getSnapshot = (): JobsSnapshot => this.#snapshot;
}

export const fileJobs = new FileJobStore((listener) => {
  try {
    return getBridge().onFileProgress(listener);
  } catch {
    return null;
  }
});

export function useFileJobs(): JobsSnapshot {
  return useSyncExternalStore(fileJobs.subscribe, fileJobs.getSnapshot, fileJobs.getSnapshot);
}
