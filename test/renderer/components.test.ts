// Components and the shell rendered to HTML in Node: the structure assistive technology and the
// UI tests rely on (landmarks, headings, labels, table headers, progress and chart semantics).

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/App.tsx';
import { ActivityChart, describeActivity } from '../../renderer/src/components/ActivityChart.tsx';
import { Badge, KeyStateBadge } from '../../renderer/src/components/Badge.tsx';
import { JsonEditor } from '../../renderer/src/components/JsonEditor.tsx';
import { KeyValueRows } from '../../renderer/src/components/KeyValueRows.tsx';
import { PolicySummaryView } from '../../renderer/src/components/PolicySummary.tsx';
import { Table } from '../../renderer/src/components/Table.tsx';
import { newPair } from '../../renderer/src/lib/pairs.ts';
import { defaultKeyPolicy, summarizePolicy } from '../../renderer/src/lib/policy.ts';
import { SimulationResult } from '../../renderer/src/screens/Policies.tsx';

const html = (el: Parameters<typeof renderToStaticMarkup>[0]): string => renderToStaticMarkup(el);

describe('shell', () => {
  it('has a skip link, a labelled main navigation with the five sections, a main landmark and one h1', () => {
    const out = html(createElement(App));
    expect(out).toContain('class="skip-link" href="#main"');
    expect(out).toContain('Skip to content');
    expect(out).toContain('<nav class="app-nav" aria-label="Main">');
    for (const label of ['Keys', 'Files', 'Policies', 'Audit', 'Settings']) {
      expect(out).toContain(`>${label}</a>`);
    }
    expect(out).toContain('aria-current="page"');
    expect(out).toContain('<main id="main" tabindex="-1">');
    expect(out.match(/<h1/g)).toHaveLength(1);
    expect(out).toContain('Installation: </span>');
  });
});

describe('components', () => {
  it('badges and key states carry words, not only colour', () => {
    expect(html(createElement(Badge, { tone: 'ok', children: 'Verified' }))).toBe('<span class="badge ok">Verified</span>');
    expect(html(createElement(KeyStateBadge, { state: 'PendingDeletion' }))).toContain('Pending deletion');
  });

  it('tables have a caption, column headers and row headers', () => {
    const out = html(
      createElement(Table<{ k: string; v: string }>, {
        caption: 'Tags',
        columns: [
          { key: 'k', header: 'Tag key', rowHeader: true, cell: (r) => r.k },
          { key: 'v', header: 'Value', cell: (r) => r.v },
        ],
        rows: [{ k: 'team', v: 'blue' }],
        rowKey: (r) => r.k,
      }),
    );
    expect(out).toContain('<caption>Tags</caption>');
    expect(out).toContain('<th scope="col">Tag key</th>');
    expect(out).toContain('<th scope="row">team</th>');
    expect(out).toContain('<td>blue</td>');
    const empty = html(createElement(Table<{ k: string }>, { caption: 'X', captionHidden: true, columns: [{ key: 'k', header: 'K', cell: (r) => r.k }], rows: [], rowKey: (r) => r.k, empty: 'None yet.' }));
    expect(empty).toContain('class="visually-hidden"');
    expect(empty).toContain('None yet.');
  });

  it('the JSON editor labels its textarea, numbers lines and says where the error is', () => {
    const out = html(createElement(JsonEditor, { label: 'Policy document', value: '{\n  "a": 1,\n}', onChange: () => {}, id: 'ed' }));
    expect(out).toContain('<label for="ed">Policy document</label>');
    expect(out).toContain('id="ed"');
    expect(out).toContain('aria-invalid="true"');
    expect(out).toContain('role="status"');
    expect(out).toContain('Line 3, column 1:');
    expect(out).toContain('Go to line 3, column 1');
    expect(out).toMatch(/<div class="error-line">3<\/div>/);
    const ok = html(createElement(JsonEditor, { label: 'P', value: '{}', onChange: () => {}, id: 'ok' }));
    expect(ok).toContain('Valid JSON.');
    expect(ok).toContain('aria-invalid="false"');
  });

  it('key/value rows label each input with its row and each Remove button with what it removes', () => {
    const out = html(createElement(KeyValueRows, { legend: 'Encryption context', rows: [newPair('dept', 'payroll')], onChange: () => {} }));
    expect(out).toContain('<legend>Encryption context</legend>');
    expect(out).toContain('<span class="visually-hidden">Key 1</span>');
    expect(out).toContain('<span class="visually-hidden">Value 1</span>');
    expect(out).toContain('Remove<span class="visually-hidden"> row 1</span>');
    expect(out).toContain('Add row');
  });

  it('the policy summary says who can do what per statement', () => {
    const out = html(createElement(PolicySummaryView, { summary: summarizePolicy(JSON.parse(defaultKeyPolicy('111122223333')), '111122223333') }));
    expect(out).toContain('Statement[0]');
    expect(out).toContain('Enable IAM User Permissions');
    expect(out).toContain('every KMS action');
  });

  it('the simulator result names the deciding statement', () => {
    const allowed = html(
      createElement(SimulationResult, {
        result: { Decision: 'Allow', Explanation: 'Allowed by Statement[0].', MatchedStatements: [{ Source: 'KeyPolicy', Effect: 'Allow', StatementIndex: 0, Sid: 'Enable IAM User Permissions' }] },
      }),
    );
    expect(allowed).toContain('Allowed by key policy Statement[0] (Sid &quot;Enable IAM User Permissions&quot;)');
    const denied = html(
      createElement(SimulationResult, {
        result: { Decision: 'ImplicitDeny', Explanation: 'No statement allows kms:Decrypt.', Message: 'User: x is not authorized', MatchedStatements: [] },
      }),
    );
    expect(denied).toContain('Denied: nothing allows it');
    expect(denied).toContain('No statement allows kms:Decrypt.');
    expect(denied).toContain('User: x is not authorized');
  });

  it('the activity chart is an image with a title, a description and a data table alternative', () => {
    const day = Date.parse('2026-11-20T00:00:00Z');
    const points = [0, 1, 2].map((i) => ({ start: day + i * 86_400_000, success: i * 2, failure: i === 2 ? 1 : 0 }));
    const out = html(createElement(ActivityChart, { points, bucket: 'day', title: 'Operations by outcome' }));
    expect(out).toContain('role="img"');
    expect(out).toContain('<title');
    expect(out).toContain('Operations by outcome</title>');
    expect(out).toContain('<desc');
    expect(out).toContain('6 succeeded and 1 failed');
    expect(out).toContain('<details class="chart-table"><summary>Show the numbers as a table</summary>');
    expect(out).toContain('<th scope="col">Succeeded</th>');
    expect(out).toContain('class="bar-failure"');
    expect(describeActivity([], 'hour')).toBe('No period to show.');
    expect(describeActivity([{ start: day, success: 0, failure: 0 }], 'hour')).toContain('no operations');
  });
});
