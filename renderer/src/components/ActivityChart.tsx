// Operations over time by outcome: stacked bars (successes below, failures above) drawn as
// inline SVG, with a title and a description that say what it shows in words, and the same
// numbers as a table for anyone who cannot or would rather not read a chart.

import { useId, type ReactElement } from 'react';
import { niceMax } from '../lib/audit.ts';
import { Table } from './Table.tsx';

export type ActivityPoint = { readonly start: number; readonly success: number; readonly failure: number };

const W = 720;
const H = 220;
const PAD_LEFT = 44;
const PAD_RIGHT = 8;
const PAD_TOP = 10;
const PAD_BOTTOM = 34;

const utcDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const utcHour = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

export function bucketLabel(start: number, bucket: 'hour' | 'day'): string {
  return bucket === 'day' ? utcDay.format(start) : utcHour.format(start);
}

/** What the chart shows, in one or two sentences (the SVG's <desc>). */
export function describeActivity(points: ReadonlyArray<ActivityPoint>, bucket: 'hour' | 'day'): string {
  if (points.length === 0) {
    return 'No period to show.';
  }
  const first = points[0] as ActivityPoint;
  const last = points[points.length - 1] as ActivityPoint;
  const success = points.reduce((n, p) => n + p.success, 0);
  const failure = points.reduce((n, p) => n + p.failure, 0);
  const range = `From ${bucketLabel(first.start, bucket)} to ${bucketLabel(last.start, bucket)} (UTC), per ${bucket}`;
  if (success + failure === 0) {
    return `${range}: no operations.`;
  }
  let busiest = first;
  for (const p of points) {
    if (p.success + p.failure > busiest.success + busiest.failure) {
      busiest = p;
    }
  }
  return `${range}: ${success} succeeded and ${failure} failed. Busiest: ${bucketLabel(busiest.start, bucket)} with ${busiest.success + busiest.failure}.`;
}

export function ActivityChart(props: { readonly points: ReadonlyArray<ActivityPoint>; readonly bucket: 'hour' | 'day'; readonly title: string }): ReactElement {
  const { points, bucket } = props;
  const titleId = useId();
  const descId = useId();
  const max = niceMax(Math.max(0, ...points.map((p) => p.success + p.failure)));
  const plotW = W - PAD_LEFT - PAD_RIGHT;
  const plotH = H - PAD_TOP - PAD_BOTTOM;
  const slot = points.length === 0 ? plotW : plotW / points.length;
  const barW = Math.max(1, slot * 0.72);
  const y = (v: number): number => PAD_TOP + plotH - (v / max) * plotH;
  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  const ticks = [0, max / 2, max];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${titleId} ${descId}`} className="chart-svg">
        <title id={titleId}>{props.title}</title>
        <desc id={descId}>{describeActivity(points, bucket)}</desc>
        {ticks.map((t) => (
          <g key={t} className="chart-grid">
            <line x1={PAD_LEFT} x2={W - PAD_RIGHT} y1={y(t)} y2={y(t)} />
            <text x={PAD_LEFT - 6} y={y(t)} dy="0.32em" textAnchor="end">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          const x = PAD_LEFT + i * slot + (slot - barW) / 2;
          const label = `${bucketLabel(p.start, bucket)}: ${p.success} succeeded, ${p.failure} failed`;
          return (
            <g key={p.start}>
              {p.success > 0 ? (
                <rect className="bar-success" x={x} width={barW} y={y(p.success)} height={y(0) - y(p.success)}>
                  <title>{label}</title>
                </rect>
              ) : null}
              {p.failure > 0 ? (
                <rect className="bar-failure" x={x} width={barW} y={y(p.success + p.failure)} height={y(p.success) - y(p.success + p.failure)}>
                  <title>{label}</title>
                </rect>
              ) : null}
              {i % labelEvery === 0 ? (
                <text className="chart-label" x={x + barW / 2} y={H - PAD_BOTTOM + 16} textAnchor="middle">
                  {bucketLabel(p.start, bucket)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line className="chart-axis" x1={PAD_LEFT} x2={W - PAD_RIGHT} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption>
        <span className="legend-item">
          <span className="swatch success" aria-hidden="true" /> Succeeded
        </span>
        <span className="legend-item">
          <span className="swatch failure" aria-hidden="true" /> Failed
        </span>
        <span className="muted small"> Times in UTC.</span>
      </figcaption>
      <details className="chart-table">
        <summary>Show the numbers as a table</summary>
        <Table
          caption={`${props.title}, per ${bucket} (UTC)`}
          rows={points}
          rowKey={(p) => String(p.start)}
          empty="No periods."
          columns={[
            { key: 'when', header: bucket === 'day' ? 'Day' : 'Hour', rowHeader: true, cell: (p) => <time dateTime={new Date(p.start).toISOString()}>{bucketLabel(p.start, bucket)}</time> },
            { key: 'ok', header: 'Succeeded', cell: (p) => p.success },
            { key: 'failed', header: 'Failed', cell: (p) => p.failure },
            { key: 'total', header: 'Total', cell: (p) => p.success + p.failure },
          ]}
        />
      </details>
    </figure>
  );
}
