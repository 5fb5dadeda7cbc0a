// The printable ceremony transcript (docs/decisions.md D26): the transcript's data as one
// self-contained HTML page, laid out for paper (no scripts, no external resources, steps kept whole
// across pages), with lines for the officer's and the witness's signatures.

import type { Transcript } from './transcript.ts';

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body { font: 11pt/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18pt; margin: 0 0 .3em; }
h2 { font-size: 13pt; margin: 1.4em 0 .3em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
code, .mono { font-family: "SF Mono", Menlo, Consolas, monospace; font-size: 8.5pt; word-break: break-all; }
.status-stopped { color: #a00; font-weight: bold; }
.status-completed { color: #060; font-weight: bold; }
.failed { border-left: 4px solid #a00; padding-left: .6em; }
.sign { margin-top: 2em; display: grid; grid-template-columns: 1fr 1fr; gap: 2em; }
.sign div { border-top: 1px solid #000; padding-top: .2em; font-size: 9pt; }
@media print { body { margin: 0; } section.step { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
`;

function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) {
    return '<p>—</p>';
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td class="mono">${esc(r[c] === undefined || r[c] === null ? '' : String(r[c]))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Rows of different shapes (a backup, then its shares) as one table per run of same-shaped rows. */
function tables(rows: ReadonlyArray<Record<string, unknown>>): string {
  const groups: Array<Array<Record<string, unknown>>> = [];
  let shape = '';
  for (const row of rows) {
    const next = Object.keys(row).join('\u0000');
    if (next !== shape || groups.length === 0) {
      groups.push([]);
      shape = next;
    }
    groups.at(-1)?.push(row);
  }
  return groups.length === 0 ? table([]) : groups.map(table).join('\n');
}

export type TranscriptHtmlOptions = {
  /** How a reader checks the transcript later, named by the surface that ran the ceremony (a command line, say). */
  readonly verifyHow?: string;
};

/** The printable transcript: one self-contained page, no scripts, no external resources. */
export function transcriptHtml(t: Transcript, options: TranscriptHtmlOptions = {}): string {
  const verifier = options.verifyHow === undefined ? 'Verifying the transcript' : `<code>${esc(options.verifyHow)}</code>`;
  const status =
    t.Status === 'completed'
      ? '<span class="status-completed">Completed</span>'
      : t.Status === 'stopped' && t.StoppedAt !== null
        ? `<span class="status-stopped">Stopped at step ${t.StoppedAt.Step} (${esc(t.StoppedAt.Title)}): ${esc(t.StoppedAt.Reason)}</span>`
        : 'Running';
  const steps = t.Steps.map(
    (s) => `<section class="step${s.Status === 'failed' ? ' failed' : ''}">
<h2>Step ${s.Number}: ${esc(s.Title)}</h2>
<p>Started <code>${esc(s.StartedAt)}</code>${s.FinishedAt === null ? '' : `, finished <code>${esc(s.FinishedAt)}</code>`} · Actors: ${esc(s.Actors.join(', '))} · ${s.Status === 'done' ? 'Done' : `<strong>Failed</strong>: ${esc(s.Error ?? '')}`}</p>
${s.Summary.length === 0 ? '' : `<ul>${s.Summary.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>`}
<h3>Outputs</h3>
${tables(s.Outputs)}
<h3>Audit records</h3>
${table(s.AuditRecords.map((r) => ({ Seq: r.Seq, EventName: r.EventName, RequestID: r.RequestId, 'Record hash (SHA-256)': r.Hash })))}
</section>`,
  ).join('\n');
  const checkpoint =
    t.Checkpoint === null
      ? '<p>No checkpoint was made.</p>'
      : table([{ Number: t.Checkpoint.Number, 'Signed seq': t.Checkpoint.HeadSeq, 'Head hash': t.Checkpoint.HeadHash, Created: t.Checkpoint.CreatedAt, 'Signature fingerprint (SHA-256)': t.Checkpoint.SignatureFingerprint }]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.Title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(t.Title)}</h1>
${table([{ Installation: t.InstallationId ?? '', Account: t.AccountId ?? '', Region: t.Region ?? '', 'Plan SHA-256': t.Plan.Sha256, Started: t.StartedAt, Finished: t.FinishedAt ?? '' }])}
<p>Status: ${status}</p>
<p>Every step lists the audit records it produced. ${verifier} checks them, and the checkpoint below, against the installation's verified audit chain. This transcript holds no share, key material or passphrase.</p>
${steps}
<h2>Audit checkpoint</h2>
${checkpoint}
<p>Audit public key fingerprint (SHA-256 of its SPKI): <code>${esc(t.AuditPublicKeyFingerprint ?? '')}</code></p>
<div class="sign"><div>Ceremony officer (name, signature, date)</div><div>Witness (name, signature, date)</div></div>
</body>
</html>
`;
}
