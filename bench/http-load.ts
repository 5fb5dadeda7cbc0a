// The HTTP load generator: N keep-alive connections, each sending requests back to back for a
// fixed time. Every request is signed afresh with SigV4 (its own x-amz-date and signature), as
// the AWS SDKs sign, for both servers, so the client's cost (and its share of the two cores) is
// the same whichever server it loads, and no server can gain from seeing one request again.
import { Agent, request } from 'node:http';

export type LoadResult = { readonly opsPerSecond: number; readonly p50Ms: number; readonly p99Ms: number; readonly errors: number };

export type PreparedRequest = {
  readonly url: URL;
  readonly body: Buffer;
  /** The headers of one request, signed now. */
  readonly headers: () => Promise<Record<string, string>>;
};

function percentile(sorted: ReadonlyArray<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export async function runLoad(req: PreparedRequest, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: Array<number> = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const one = async (): Promise<void> => {
    const start = performance.now();
    const headers = await req.headers();
    return new Promise((resolve) => {
      const r = request(
        { agent, host: req.url.hostname, port: req.url.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(req.body.length) } },
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
  };
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
