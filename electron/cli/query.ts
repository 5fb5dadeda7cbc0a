// A JMESPath subset covering the picks people use with `aws kms`: `Field`, `A.B`, `List[]`,
// `List[].Field`, `List[0]`, `List[-1].Field`, and multiselect lists `[A, B.C]`.
// Anything else is a usage error rather than a silently wrong answer.

import { UsageError } from './usage-error.ts';

type Step = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'project' };
type Path = ReadonlyArray<Step>;
export type Query = { readonly kind: 'path'; readonly path: Path } | { readonly kind: 'multi'; readonly paths: ReadonlyArray<Path> };

const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)?((?:\[(?:-?\d+)?\])*)$/;

function parsePath(text: string, whole: string): Path {
  const steps: Array<Step> = [];
  for (const segment of text.split('.')) {
    const m = SEGMENT.exec(segment.trim());
    if (m === null || (m[1] === undefined && m[2] === '') || (m[1] === undefined && steps.length > 0)) {
      throw new UsageError(`--query: cannot parse '${whole}' (supported: Field, A.B, List[], List[].Field, List[0], [A, B])`);
    }
    if (m[1] !== undefined) {
      steps.push({ kind: 'field', name: m[1] });
    }
    for (const b of (m[2] ?? '').matchAll(/\[(-?\d+)?\]/g)) {
      steps.push(b[1] === undefined ? { kind: 'project' } : { kind: 'index', index: Number(b[1]) });
    }
  }
  return steps;
}

export function parseQuery(text: string): Query {
  const t = text.trim();
  if (t.startsWith('[') && t.endsWith(']') && !/^\[-?\d*\]/.test(t)) {
    return { kind: 'multi', paths: t.slice(1, -1).split(',').map((p) => parsePath(p, t)) };
  }
  return { kind: 'path', path: parsePath(t, t) };
}

function apply(value: unknown, path: Path): unknown {
  let current: unknown = value;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    if (current === null || current === undefined || step === undefined) {
      return null;
    }
    if (step.kind === 'field') {
      current = typeof current === 'object' && !Array.isArray(current) ? ((current as Record<string, unknown>)[step.name] ?? null) : null;
    } else if (step.kind === 'index') {
      current = Array.isArray(current) ? (current.at(step.index) ?? null) : null;
    } else {
      if (!Array.isArray(current)) {
        return null;
      }
      const rest = path.slice(i + 1);
      return current.map((item) => apply(item, rest)).filter((v) => v !== null);
    }
  }
  return current ?? null;
}

export function evaluateQuery(query: Query, value: unknown): unknown {
  return query.kind === 'path' ? apply(value, query.path) : query.paths.map((p) => apply(value, p));
}
