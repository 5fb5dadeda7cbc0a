// The HTTP load generator: N keep-alive connections, each sending the same pre-signed request
// back to back for a fixed time. Reusing one signed request keeps the client's own cost (and
// its share of the two cores) the same for both servers; the server still checks the
// signature of every request.
import { Agent, request } from 'node:http';

export type LoadResult = { readonly opsPerSecond: number; readonly p50Ms: number; readonly p99Ms: number; readonly errors: number };

export type PreparedRequest = { readonly url: URL; readonly headers: Record<string, string>; readonly body: Buffer };

function percentile(sorted: ReadonlyArray<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export async function runLoad(req: PreparedRequest, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: Array<number> = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const start = performance.now();
      const r = request(
        { agent, host: req.url.hostname, port: req.url.port, method: 'POST', path: '/', headers: { ...req.headers, 'content-length': String(req.body.length) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) {
              latencies.push(performance.now() - start);
            } else {
              errors++;
            }
            resolve();
          });
        },
      );
      r.on('error', () => {
        errors++;
        resolve();
      });
      r.end(req.body);
    });
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await one();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { opsPerSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), errors };
}
