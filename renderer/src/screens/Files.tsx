// Files: drop files anywhere on the screen (or choose them), pick the keys and the encryption
// context, and encrypt them in the AWS Encryption SDK format; dropped .strongroom files are
// offered for decryption. Files become opaque ids through addFiles (the window never sees a
// path); jobs report per-file progress through onFileProgress, can be cancelled, and finish
// with "Show in folder" or the error in plain words.

import { useId, useMemo, useRef, useState, type DragEvent, type ReactElement } from 'react';
import type { AddedFile } from '../../../shared/api/bridge.ts';
import { Badge } from '../components/Badge.tsx';
import { ErrorMessage, Problems } from '../components/ErrorMessage.tsx';
import { KeyCheckboxes } from '../components/KeyPicker.tsx';
import { KeyValueRows } from '../components/KeyValueRows.tsx';
import { Loading } from '../components/Notice.tsx';
import { call, listAll, useAction, useLoad } from '../lib/call.ts';
import { describeFileState, fileJobs, isJobActive, openedByText, useFileJobs, type Job } from '../lib/fileJobs.ts';
import { formatBytes, percent } from '../lib/format.ts';
import { loadKeyRows } from '../lib/keys.ts';
import { newPair, pairsToMap, type Pair } from '../lib/pairs.ts';
import { hrefTo } from '../lib/router.ts';

const CONTEXT_RULES = { reservedPrefixes: ['aws-crypto-'], maxKeyLength: 256, maxValueLength: 4096, maxPairs: 64, noun: 'encryption context pair' } as const;

/** Browser mode writes every output to one folder (`strongroom ui --output-dir`): the screen says which. */
function OutputsGo(): ReactElement | null {
  const { loaded } = useLoad(() => call((b) => b.getSettings()), 'files-settings');
  if (loaded.state !== 'done' || !loaded.result.ok || loaded.result.value.surface !== 'browser' || loaded.result.value.outputDirectory === undefined) {
    return null;
  }
  return (
    <p className="notice small">
      In this browser window, encrypted and decrypted files are written to <code>{loaded.result.value.outputDirectory}</code> (the output folder{' '}
      <code>strongroom ui</code> was started with).
    </p>
  );
}

export function FilesScreen(): ReactElement {
  const [files, setFiles] = useState<Array<AddedFile>>([]);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const adding = useAction();
  const inputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();

  const add = async (list: ReadonlyArray<File>): Promise<void> => {
    if (list.length === 0) {
      return;
    }
    const r = await adding.run(() => call((b) => b.addFiles(list)));
    if (r.ok) {
      setFiles((prev) => [...prev, ...r.value.filter((f) => !prev.some((p) => p.fileId === f.fileId))]);
    }
  };

  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    void add([...e.dataTransfer.files]);
  };

  const plain = files.filter((f) => !f.encrypted);
  const encrypted = files.filter((f) => f.encrypted);

  return (
    <div
      className={dragging ? 'drop-zone dragging' : 'drop-zone'}
      onDragEnter={(e) => {
        if ([...e.dataTransfer.types].includes('Files')) {
          e.preventDefault();
          dragDepth.current++;
          setDragging(true);
        }
      }}
      onDragOver={(e) => {
        if ([...e.dataTransfer.types].includes('Files')) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) {
          setDragging(false);
        }
      }}
      onDrop={onDrop}
    >
      <div className="screen-head">
        <h1 tabIndex={-1}>Files</h1>
      </div>
      <div className="drop-target" aria-hidden={!dragging}>
        {dragging ? <p className="drop-message">Drop the files to add them</p> : null}
      </div>
      <section className="card intake" aria-labelledby="intake-title">
        <h2 id="intake-title">Add files</h2>
        <p>
          Drop files anywhere on this screen, or choose them. Each file is encrypted to <code>&lt;name&gt;.strongroom</code> (in the desktop app, beside the
          original), and the original is never changed; dropped <code>.strongroom</code> files are offered for decryption.
        </p>
        <OutputsGo />
        <div className="field file-pick">
          {/* The native control would keep saying "No file chosen" after a drop: it is hidden, its label is the button. */}
          <input
            id={inputId}
            ref={inputRef}
            type="file"
            multiple
            className="file-input"
            onChange={(e) => {
              const chosen = e.target.files === null ? [] : [...e.target.files];
              void add(chosen).then(() => {
                if (inputRef.current !== null) {
                  inputRef.current.value = '';
                }
              });
            }}
          />
          <label htmlFor={inputId} className="button">
            Choose files
          </label>
        </div>
        {adding.busy ? <Loading>Adding files…</Loading> : null}
        <ErrorMessage error={adding.error} context="The files could not be added." />
        {files.length === 0 ? null : (
          <SelectedFiles
            files={files}
            onRemove={(id) => {
              setFiles((prev) => prev.filter((f) => f.fileId !== id));
            }}
            onClear={() => {
              setFiles([]);
            }}
          />
        )}
      </section>
      {plain.length > 0 ? (
        <EncryptPanel
          files={plain}
          onStarted={() => {
            setFiles((prev) => prev.filter((f) => f.encrypted));
          }}
        />
      ) : null}
      {encrypted.length > 0 ? (
        <DecryptPanel
          files={encrypted}
          onStarted={() => {
            setFiles((prev) => prev.filter((f) => !f.encrypted));
          }}
        />
      ) : null}
      <JobsPanel />
    </div>
  );
}

function SelectedFiles(props: { readonly files: ReadonlyArray<AddedFile>; readonly onRemove: (fileId: string) => void; readonly onClear: () => void }): ReactElement {
  return (
    <>
      <h3>Selected files</h3>
      <ul className="item-list">
        {props.files.map((f) => (
          <li key={f.fileId}>
            <span>
              {f.name} <span className="muted small">{formatBytes(f.size)}</span> {f.encrypted ? <Badge tone="info">Encrypted</Badge> : null}
            </span>
            <button
              type="button"
              onClick={() => {
                props.onRemove(f.fileId);
              }}
            >
              Remove<span className="visually-hidden"> {f.name}</span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" onClick={props.onClear}>
        Clear selection
      </button>
    </>
  );
}

function EncryptPanel(props: { readonly files: ReadonlyArray<AddedFile>; readonly onStarted: () => void }): ReactElement {
  const keys = useLoad(() => loadKeyRows({ rotation: false }), 'file-keys');
  const usable = useMemo(
    () =>
      keys.loaded.state === 'done' && keys.loaded.result.ok
        ? keys.loaded.result.value.filter((k) => k.meta.KeySpec === 'SYMMETRIC_DEFAULT' && k.meta.KeyUsage === 'ENCRYPT_DECRYPT' && k.meta.KeyState === 'Enabled')
        : [],
    [keys.loaded],
  );
  const [selected, setSelected] = useState<Array<string>>([]);
  const [context, setContext] = useState<Array<Pair>>([newPair()]);
  const [signed, setSigned] = useState(true);
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const action = useAction();

  const start = async (): Promise<void> => {
    const ctx = pairsToMap(context, CONTEXT_RULES);
    const p = [...ctx.problems];
    if (selected.length === 0) {
      p.unshift('Choose at least one key to encrypt under.');
    }
    setProblems(p);
    if (p.length > 0) {
      return;
    }
    const fileIds = props.files.map((f) => f.fileId);
    const r = await action.run(() => call((b) => b.encryptFiles({ FileIds: fileIds, KeyIds: selected, EncryptionContext: ctx.map, Signed: signed })));
    if (r.ok) {
      fileJobs.started(r.value.jobId, 'encrypt');
      props.onStarted();
    }
  };

  return (
    <section className="card" aria-labelledby="encrypt-title">
      <h2 id="encrypt-title">
        Encrypt {props.files.length} file{props.files.length === 1 ? '' : 's'}
      </h2>
      {keys.loaded.state === 'loading' ? (
        <Loading>Loading keys…</Loading>
      ) : !keys.loaded.result.ok ? (
        <ErrorMessage error={keys.loaded.result.error} context="The keys could not be listed." />
      ) : usable.length === 0 ? (
        <p>
          No enabled symmetric encryption key. <a href={hrefTo('keys', 'new')}>Create one</a> (the default key type), then come back.
        </p>
      ) : (
        <KeyCheckboxes
          legend="Keys to encrypt under"
          keys={usable}
          selected={selected}
          onChange={setSelected}
          max={10}
          hint="Enabled symmetric keys. The first one chosen makes the data key; each further key gets its own copy, and any one of them can open the files. Up to 10."
        />
      )}
      <KeyValueRows
        legend="Encryption context (optional)"
        rows={context}
        onChange={setContext}
        addLabel="Add context pair"
        hint="Stored in each file and bound to it; key policies and grants can require it. It is not secret. Keys starting aws-crypto- are reserved."
      />
      <label className="check">
        <input
          type="checkbox"
          checked={signed}
          onChange={(e) => {
            setSigned(e.target.checked);
          }}
        />
        <span>
          Sign the files (recommended)
          <span className="muted small block">Proves who wrote each file and that it was not changed. Turn off only for speed with your own files.</span>
        </span>
      </label>
      <Problems problems={problems} />
      <ErrorMessage error={action.error} context="Encryption did not start." />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void start()} disabled={action.busy || usable.length === 0}>
          Encrypt
        </button>
      </div>
    </section>
  );
}

function DecryptPanel(props: { readonly files: ReadonlyArray<AddedFile>; readonly onStarted: () => void }): ReactElement {
  const [context, setContext] = useState<Array<Pair>>([]);
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const action = useAction();
  const start = async (): Promise<void> => {
    const ctx = pairsToMap(context, { ...CONTEXT_RULES, reservedPrefixes: [] });
    setProblems(ctx.problems);
    if (ctx.problems.length > 0) {
      return;
    }
    const fileIds = props.files.map((f) => f.fileId);
    const r = await action.run(() =>
      call((b) => b.decryptFiles({ FileIds: fileIds, ...(Object.keys(ctx.map).length === 0 ? {} : { EncryptionContext: ctx.map }) })),
    );
    if (r.ok) {
      fileJobs.started(r.value.jobId, 'decrypt');
      props.onStarted();
    }
  };
  return (
    <section className="card" aria-labelledby="decrypt-title">
      <h2 id="decrypt-title">
        Decrypt {props.files.length} file{props.files.length === 1 ? '' : 's'}
      </h2>
      <p>Each file names the key that opens it; a key of this installation that your policies allow is used.</p>
      <KeyValueRows
        legend="Expected encryption context (optional)"
        rows={context}
        onChange={setContext}
        addLabel="Add expected pair"
        hint="If given, a file whose encryption context lacks any of these pairs is refused."
      />
      <Problems problems={problems} />
      <ErrorMessage error={action.error} context="Decryption did not start." />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void start()} disabled={action.busy}>
          Decrypt
        </button>
      </div>
    </section>
  );
}

function JobsPanel(): ReactElement | null {
  const { jobs, announcement } = useFileJobs();
  // Aliases for "opened with": read again when a job finishes (a key may have been named since).
  const finished = jobs.filter((j) => !isJobActive(j)).length;
  const { loaded: aliasList } = useLoad(
    () => listAll((b, Marker) => b.listAliases(Marker === undefined ? {} : { Marker }), (p) => p.Aliases),
    `job-aliases-${finished}`,
  );
  const aliases = new Map<string, ReadonlyArray<string>>();
  if (aliasList.state === 'done' && aliasList.result.ok) {
    for (const a of aliasList.result.value) {
      if (a.TargetKeyId !== undefined) {
        aliases.set(a.TargetKeyId, [...(aliases.get(a.TargetKeyId) ?? []), a.AliasName].sort());
      }
    }
  }
  return (
    <section className="card" aria-labelledby="jobs-title">
      <div className="card-head">
        <h2 id="jobs-title">Progress and results</h2>
        {jobs.some((j) => !isJobActive(j)) ? (
          <button
            type="button"
            onClick={() => {
              fileJobs.clearFinished();
            }}
          >
            Clear finished
          </button>
        ) : null}
      </div>
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement.text}
      </p>
      {jobs.length === 0 ? <p className="muted">Nothing encrypted or decrypted yet in this window.</p> : null}
      {jobs.map((job) => (
        <JobView key={job.jobId} job={job} aliases={aliases} />
      ))}
    </section>
  );
}

function JobView(props: { readonly job: Job; readonly aliases: ReadonlyMap<string, ReadonlyArray<string>> }): ReactElement {
  const { job } = props;
  const active = isJobActive(job);
  const cancel = useAction();
  const reveal = useAction();
  const [revealed, setRevealed] = useState('');
  const doneCount = job.files.filter((f) => f.state === 'done').length;
  const failedCount = job.files.filter((f) => f.state === 'failed').length;
  const verb = job.kind === 'decrypt' ? 'Decrypting' : job.kind === 'encrypt' ? 'Encrypting' : 'Job';
  const headingId = `job-${job.jobId}`;
  return (
    <article className="job" aria-labelledby={headingId}>
      <div className="card-head">
        <h3 id={headingId}>
          {verb} {job.files.length} file{job.files.length === 1 ? '' : 's'}{' '}
          <span className="muted small">
            {active ? (job.cancelling ? 'cancelling…' : 'in progress') : `finished: ${doneCount} done${failedCount > 0 ? `, ${failedCount} failed` : ''}`}
          </span>
        </h3>
        {active ? (
          <button
            type="button"
            disabled={cancel.busy || job.cancelling}
            onClick={() => {
              fileJobs.cancelling(job.jobId, true);
              void cancel.run(() => call((b) => b.cancelFileJob({ JobId: job.jobId }))).then((r) => {
                if (!r.ok || !r.value.cancelled) {
                  fileJobs.cancelling(job.jobId, false);
                }
              });
            }}
          >
            Cancel<span className="visually-hidden"> this job</span>
          </button>
        ) : null}
      </div>
      <ErrorMessage error={cancel.error} context="The job was not cancelled." />
      <ul className="job-files plain-list">
        {job.files.map((f) => {
          const pct = f.state === 'done' ? 100 : percent(f.bytesDone, f.bytesTotal);
          const stateText = describeFileState(f, job.kind);
          return (
            <li key={f.fileId} className={`job-file ${f.state}`}>
              <div className="job-file-head">
                <span className="job-file-name">{f.name}</span>
                <span className="muted small">{formatBytes(f.bytesTotal)}</span>
              </div>
              {f.state === 'queued' || f.state === 'running' ? (
                <div
                  className="progress"
                  role="progressbar"
                  aria-label={`${f.name} progress`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={pct}
                  aria-valuetext={`${pct}% (${formatBytes(f.bytesDone)} of ${formatBytes(f.bytesTotal)})`}
                >
                  <div className="progress-bar" style={{ width: `${pct}%` }} />
                </div>
              ) : null}
              {f.state === 'failed' && f.error !== undefined ? (
                <ErrorMessage error={f.error} context={`${f.name} failed.`} live={false} />
              ) : (
                <p className="job-file-state">
                  {f.state === 'done' ? <Badge tone="ok">Done</Badge> : f.state === 'cancelled' ? <Badge>Cancelled</Badge> : null} {stateText}
                  {f.state === 'running' || f.state === 'queued' ? ` — ${pct}%` : ''}
                </p>
              )}
              {f.state === 'done' && f.openedBy !== undefined ? <p className="small opened-by">{openedByText(f.openedBy, props.aliases)}</p> : null}
              {f.state === 'done' && f.outputId !== undefined ? (
                <button
                  type="button"
                  disabled={reveal.busy}
                  onClick={() => {
                    const outputId = f.outputId as string;
                    void reveal.run(() => call((b) => b.showInFolder({ FileId: outputId }))).then((r) => {
                      if (r.ok) {
                        setRevealed(
                          r.value.shown
                            ? `Shown ${f.outputName ?? 'the file'} in its folder.`
                            : `This window cannot open a folder${r.value.location === undefined ? '' : `; the file is at ${r.value.location}`}.`,
                        );
                      }
                    });
                  }}
                >
                  Show in folder<span className="visually-hidden"> ({f.outputName ?? f.name})</span>
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
      <ErrorMessage error={reveal.error} context="The file could not be shown." />
      <p role="status" className="flash">
        {revealed}
      </p>
    </article>
  );
}
