// Audit files that leave or reach this installation: an export of the log (signed checkpoints
// included, so anyone with the public key can verify it), the public key itself to keep apart
// from the exports, and the inspection workspace — other installations' exports, verified on
// import, queried together on the Records card. The window never names a path: the app asks
// with a save dialog, browser mode writes into its output folder and says where.

import { useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import type { AddedFile, AppOutputs } from '../../../shared/api/bridge.ts';
import { Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table } from '../components/Table.tsx';
import { call, useAction, useLoad } from '../lib/call.ts';
import { downloadText } from '../lib/download.ts';
import { formatDateTime } from '../lib/format.ts';

type Exported = Exclude<AppOutputs['ExportAudit'], { readonly cancelled: true }>;
type Imported = AppOutputs['ImportAudit']['imported'][number];
type Source = AppOutputs['AuditSources']['sources'][number];

const TRUST_WORDS: Readonly<Record<string, string>> = {
  'trusted-key': 'signed by the trusted public key you gave',
  'pinned-key': 'signed by the key this installation’s first import was checked with',
  'export-key': 'signed by the key the export carries — proof only once you compare its fingerprint with the installation’s',
};

/** A fingerprint as people compare them: groups of four hex digits. */
function groupedFingerprint(hex: string, groups = 8): string {
  return (hex.match(/.{1,4}/g) ?? []).slice(0, groups).join(' ');
}

export function ExportSection(): ReactElement {
  const ids = useId();
  const [layout, setLayout] = useState<'jsonl' | 'cloudtrail'>('jsonl');
  const [gzip, setGzip] = useState(true);
  const exporting = useAction();
  const keyAction = useAction();
  const reveal = useAction();
  const [exported, setExported] = useState<Exported | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const runExport = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setMessage(null);
    const r = await exporting.run(() => call((b) => b.exportAudit({ Layout: layout, Gzip: gzip })));
    if (!r.ok) {
      return;
    }
    if ('cancelled' in r.value) {
      setMessage('Export cancelled: nothing was written.');
      return;
    }
    setExported(r.value);
  };

  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p>
        An export holds the records and the signed checkpoints over them. Anyone with this installation’s public key can verify it, here or on another machine (
        <code>strongroom audit verify --from-export</code>), and a security team can import it into its workspace.
      </p>
      <form className="inline-form" onSubmit={(e) => void runExport(e)} aria-label="Export the audit log">
        <div className="field">
          <label htmlFor={`${ids}-layout`}>Format</label>
          <select
            id={`${ids}-layout`}
            value={layout}
            onChange={(e) => {
              setLayout(e.target.value === 'cloudtrail' ? 'cloudtrail' : 'jsonl');
            }}
          >
            <option value="jsonl">JSON Lines (one record per line; best for large logs)</option>
            <option value="cloudtrail">CloudTrail log file ({'{"Records": […]}'})</option>
          </select>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={gzip}
            onChange={(e) => {
              setGzip(e.target.checked);
            }}
          />
          <span>Compress (gzip)</span>
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={exporting.busy}>
            Export the log…
          </button>
          <button
            type="button"
            disabled={keyAction.busy}
            onClick={() => {
              void keyAction.run(() => call((b) => b.auditPublicKey({}))).then((r) => {
                if (r.ok) {
                  downloadText(`strongroom-audit-key-${r.value.Fingerprint.slice(0, 16)}.pem`, r.value.PublicKey);
                  setMessage(`Public key saved (fingerprint ${groupedFingerprint(r.value.Fingerprint)} …). Keep it apart from the exports.`);
                }
              });
            }}
          >
            Download public key
          </button>
        </div>
      </form>
      {exporting.busy ? <Loading>Exporting…</Loading> : null}
      <ErrorMessage error={exporting.error} context="The log could not be exported." />
      <ErrorMessage error={keyAction.error} context="The public key could not be read." />
      <div role="status">
        {message === null ? null : <p>{message}</p>}
        {exported === null ? null : (
          <div className="result">
            <p>
              <Badge tone="ok">Exported</Badge> {exported.records} record{exported.records === 1 ? '' : 's'}
              {exported.firstSeq === null ? '' : ` (${exported.firstSeq}–${exported.lastSeq ?? exported.firstSeq})`} to <strong>{exported.file.name}</strong>.
            </p>
            <p className="mono small">SHA-256 {exported.sha256}</p>
            <button
              type="button"
              onClick={() => {
                void reveal.run(() => call((b) => b.showInFolder({ FileId: exported.file.fileId }))).then((r) => {
                  if (r.ok) {
                    setMessage(r.value.shown ? `Shown ${exported.file.name} in its folder.` : `This window cannot open a folder${r.value.location === undefined ? '' : `; the file is in ${r.value.location}`}.`);
                  }
                });
              }}
            >
              Show in folder<span className="visually-hidden"> ({exported.file.name})</span>
            </button>
          </div>
        )}
      </div>
      <ErrorMessage error={reveal.error} context="The folder could not be shown." />
    </section>
  );
}

export function WorkspaceSection(props: { readonly onImported: () => void }): ReactElement {
  const ids = useId();
  const [exports, setExports] = useState<ReadonlyArray<AddedFile>>([]);
  const [keyFile, setKeyFile] = useState<{ readonly name: string; readonly pem: string } | null>(null);
  const [label, setLabel] = useState('');
  const [results, setResults] = useState<ReadonlyArray<Imported>>([]);
  const adding = useAction();
  const importing = useAction();
  const [keyProblem, setKeyProblem] = useState<string | null>(null);
  const exportsInput = useRef<HTMLInputElement>(null);
  const { loaded, reload } = useLoad(() => call((b) => b.auditSources({})), 'audit-sources');

  const labelProblem = label !== '' && !/^[A-Za-z0-9 ._/-]{1,64}$/.test(label) ? 'Letters, digits, spaces and . _ / - only, at most 64.' : null;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (exports.length === 0 || labelProblem !== null) {
      return;
    }
    const r = await importing.run(() =>
      call((b) =>
        b.importAudit({
          FileIds: exports.map((f) => f.fileId),
          ...(label === '' ? {} : { Label: label }),
          ...(keyFile === null ? {} : { TrustedPublicKey: keyFile.pem }),
        }),
      ),
    );
    if (r.ok) {
      setResults(r.value.imported);
      setExports([]);
      if (exportsInput.current !== null) {
        exportsInput.current.value = '';
      }
      reload();
      props.onImported();
    }
  };

  const sources = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.sources : [];
  return (
    <section className="card" aria-labelledby="workspace-title">
      <h2 id="workspace-title">Inspection workspace</h2>
      <p>
        Import exports from other installations to read them together (choose “Imported exports” on the Records card). Each export is verified first — records,
        chain and checkpoint signatures — and nothing from one that fails is kept. The workspace is a separate file; it does not change this installation’s log.
      </p>
      <form className="form-grid" onSubmit={(e) => void submit(e)} aria-label="Import audit exports">
        <div className="field">
          <label htmlFor={`${ids}-exports`}>Export files</label>
          <input
            id={`${ids}-exports`}
            ref={exportsInput}
            type="file"
            multiple
            accept=".jsonl,.json,.gz"
            className="file-input"
            onChange={(e) => {
              const chosen = e.target.files === null ? [] : [...e.target.files];
              if (chosen.length > 0) {
                void adding.run(() => call((b) => b.addFiles(chosen))).then((r) => {
                  if (r.ok) {
                    setExports(r.value);
                  }
                });
              }
            }}
          />
          {exports.length === 0 ? null : <p className="hint">{exports.map((f) => f.name).join(', ')}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-key`}>Trusted public key (optional)</label>
          <input
            id={`${ids}-key`}
            type="file"
            accept=".pem"
            className="file-input"
            aria-describedby={`${ids}-key-hint`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              setKeyProblem(null);
              if (file === undefined) {
                setKeyFile(null);
                return;
              }
              if (file.size > 8192) {
                setKeyProblem(`${file.name} is too large to be a public key.`);
                setKeyFile(null);
                return;
              }
              void file.text().then((pem) => {
                setKeyFile({ name: file.name, pem });
              });
            }}
          />
          <p id={`${ids}-key-hint`} className="hint">
            The exporting installation’s key, obtained apart from the export (its “Download public key”). Without it, the key inside the export is used and the import
            says so; later imports from the same installation must match the first key.
          </p>
          {keyProblem === null ? null : <p className="problem small">{keyProblem}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-label`}>Label (optional)</label>
          <input
            id={`${ids}-label`}
            type="text"
            value={label}
            placeholder="laptop-2"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={labelProblem !== null}
            aria-describedby={labelProblem === null ? undefined : `${ids}-label-problem`}
            onChange={(e) => {
              setLabel(e.target.value);
            }}
          />
          {labelProblem === null ? null : (
            <p id={`${ids}-label-problem`} className="problem small">
              {labelProblem}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={exports.length === 0 || labelProblem !== null || importing.busy || adding.busy}>
            Verify and import
          </button>
        </div>
      </form>
      {adding.busy ? <Loading>Reading the files…</Loading> : null}
      {importing.busy ? <Loading>Verifying and importing…</Loading> : null}
      <ErrorMessage error={adding.error} context="The files could not be added." />
      <ErrorMessage error={importing.error} context="Nothing was imported." />
      <div role="status">
        {results.length === 0 ? null : (
          <ul className="plain-list">
            {results.map((r) => (
              <li key={`${r.installationId}-${r.added}-${r.records}`}>
                <Badge tone="ok">Verified</Badge> <strong>{r.label}</strong>: {r.added} new record{r.added === 1 ? '' : 's'} of {r.records}, {TRUST_WORDS[r.trust] ?? r.trust} (
                <span className="mono small">{groupedFingerprint(r.keyFingerprint)} …</span>).
              </li>
            ))}
          </ul>
        )}
      </div>
      <h3>Installations in the workspace</h3>
      {loaded.state === 'loading' ? <Loading>Loading the workspace…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The workspace could not be read." live={false} /> : null}
      {loaded.state === 'done' && loaded.result.ok ? (
        <Table<Source>
          caption="Installations in the inspection workspace"
          captionHidden
          rows={sources}
          rowKey={(s) => s.installationId}
          empty="Nothing imported yet."
          columns={[
            { key: 'label', header: 'Label', cell: (s) => s.label, rowHeader: true },
            { key: 'account', header: 'Account', cell: (s) => `${s.accountId} · ${s.region}`, className: 'mono small' },
            { key: 'records', header: 'Records', cell: (s) => s.records },
            { key: 'range', header: 'From – to', cell: (s) => (s.firstTime === null ? '—' : `${formatDateTime(s.firstTime)} – ${formatDateTime(s.lastTime)}`) },
            { key: 'key', header: 'Key fingerprint', cell: (s) => `${groupedFingerprint(s.keyFingerprint, 4)} …`, className: 'mono small' },
          ]}
        />
      ) : null}
    </section>
  );
}
