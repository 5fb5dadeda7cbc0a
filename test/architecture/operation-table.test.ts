// docs/aws-kms.md §3.12 lists every operation of AWS's KMS service model and Strongroom's own,
// with whether Strongroom serves it. This keeps that table and the engine's operation table in
// step: every operation the engine serves is a "yes" row (its own ones marked "(Strongroom)"),
// and every "yes" row is served.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { operations } from '../../shared/api/operations.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function tableRows(): Array<{ name: string; strongroom: boolean; served: boolean }> {
  const doc = readFileSync(join(ROOT, 'docs/aws-kms.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 3.12 Every operation of the service model'), doc.indexOf('## 4. '));
  return [...section.matchAll(/^\| ([A-Za-z]+)( \(Strongroom\))? \| (yes|no) \|/gm)].map((m) => ({ name: m[1] ?? '', strongroom: m[2] !== undefined, served: m[3] === 'yes' }));
}

describe('the table of operations in docs/aws-kms.md', () => {
  it('lists the 54 operations of AWS KMS and marks exactly the served ones "yes"', () => {
    const rows = tableRows();
    expect(rows.filter((r) => !r.strongroom)).toHaveLength(54);
    const served = Object.keys(operations).sort();
    expect(rows.filter((r) => r.served).map((r) => r.name).sort()).toEqual(served);
    const own = Object.entries(operations).filter(([, spec]) => 'strongroomOnly' in spec && spec.strongroomOnly === true).map(([name]) => name).sort();
    expect(rows.filter((r) => r.strongroom).map((r) => r.name).sort()).toEqual(own);
  });
});
