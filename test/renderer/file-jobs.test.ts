// The file job store: progress from the bridge (even before the job's start is known),
// announcements when a file finishes, clearing finished jobs.

import { describe, expect, it } from 'vitest';
import type { FileProgress } from '../../shared/api/bridge.ts';
import { describeFileState, FileJobStore, isJobActive, openedByText } from '../../renderer/src/lib/fileJobs.ts';

function store(): { s: FileJobStore; push: (p: FileProgress) => void; subscribed: () => number } {
  let listener: ((p: FileProgress) => void) | null = null;
  let count = 0;
  const s = new FileJobStore((l) => {
    listener = l;
    count++;
    return () => {
      listener = null;
    };
  });
  return {
    s,
    push: (p) => {
      listener?.(p);
    },
    subscribed: () => count,
  };
}

const base = { jobId: 'j-0000000000000001', fileId: 'f-0000000000000001', name: 'report.pdf', bytesTotal: 1000 } as const;

describe('file jobs', () => {
  it('subscribes once, takes progress that arrives before the job is known, and announces results', () => {
    const { s, push, subscribed } = store();
    const seen: Array<number> = [];
    const un1 = s.subscribe(() => seen.push(1));
    const un2 = s.subscribe(() => seen.push(2));
    expect(subscribed()).toBe(1);
    push({ ...base, state: 'queued', bytesDone: 0 });
    s.started(base.jobId, 'encrypt');
    push({ ...base, state: 'running', bytesDone: 500 });
    let snap = s.getSnapshot();
    expect(snap.jobs).toHaveLength(1);
    expect(snap.jobs[0]?.kind).toBe('encrypt');
    expect(snap.jobs[0]?.files[0]?.bytesDone).toBe(500);
    expect(isJobActive(snap.jobs[0]!)).toBe(true);
    expect(snap.announcement.text).toBe('');
    push({ ...base, state: 'done', bytesDone: 1000, outputId: 'f-0000000000000002', outputName: 'report.pdf.strongroom' });
    snap = s.getSnapshot();
    expect(snap.announcement.text).toBe('report.pdf: Encrypted to report.pdf.strongroom');
    expect(isJobActive(snap.jobs[0]!)).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
    un1();
    un2();
  });

  it('words failures with the error, and clears finished jobs only', () => {
    const { s, push } = store();
    s.subscribe(() => {});
    push({ ...base, state: 'failed', bytesDone: 0, error: { name: 'AccessDeniedException', message: 'no' } });
    push({ ...base, jobId: 'j-0000000000000002', state: 'running', bytesDone: 1 });
    expect(s.getSnapshot().announcement.text).toBe('report.pdf: Failed. Access denied: no');
    s.clearFinished();
    expect(s.getSnapshot().jobs.map((j) => j.jobId)).toEqual(['j-0000000000000002']);
  });

  it('says each state in words', () => {
    expect(describeFileState({ ...base, state: 'queued', bytesDone: 0 }, 'decrypt')).toBe('Waiting');
    expect(describeFileState({ ...base, state: 'running', bytesDone: 0 }, 'decrypt')).toBe('Decrypting');
    expect(describeFileState({ ...base, state: 'done', bytesDone: 0, outputName: 'report.pdf' }, 'decrypt')).toBe('Decrypted to report.pdf');
    expect(describeFileState({ ...base, state: 'cancelled', bytesDone: 0 }, null)).toBe('Cancelled');
  });
});

describe('a decrypted file’s key and context', () => {
  it('names the key by its alias beside its id, and the context in pairs', () => {
    const keyArn = 'arn:aws:kms:local-1:111122223333:key/k-1';
    expect(openedByText({ keyArn, encryptionContext: { project: 'apollo', owner: 'alice' } }, new Map([['k-1', ['alias/files']]]))).toBe(
      'Opened with alias/files (k-1); encryption context: project=apollo, owner=alice',
    );
    expect(openedByText({ keyArn, encryptionContext: {} }, new Map())).toBe('Opened with k-1; encryption context: none');
  });
});
