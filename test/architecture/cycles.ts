// Import cycles: the strongly connected components of the file graph (Tarjan), each reported as
// one concrete cycle through it, so a failure names the files to look at in import order.

import type { ImportGraph } from './import-graph.ts';

/**
 * A group of files that import each other (a strongly connected component), with one cycle
 * through it: the first file of `cycle` imports the second, …, the last imports the first.
 */
export interface Cycle {
  readonly files: readonly string[];
  readonly cycle: readonly string[];
}

/** Every file-to-file edge as an adjacency list, leaving out the edges `skip` says to. */
export function adjacency(graph: ImportGraph, skip: (from: string, to: string) => boolean = () => false): Map<string, string[]> {
  const next = new Map<string, string[]>(graph.files.map((file) => [file, []]));
  for (const edge of graph.edges) {
    if (edge.kind === 'file' && !skip(edge.from, edge.to)) {
      const targets = next.get(edge.from) ?? [];
      if (!targets.includes(edge.to)) {
        targets.push(edge.to);
      }
      next.set(edge.from, targets);
    }
  }
  return next;
}

/** One cycle per strongly connected component of more than one file (or a file importing itself). */
export function findCycles(next: ReadonlyMap<string, readonly string[]>): Cycle[] {
  return stronglyConnected(next)
    .filter((component) => component.length > 1 || (next.get(component[0] ?? '') ?? []).includes(component[0] ?? ''))
    .map((component) => ({ files: component, cycle: shortestCycle(next, new Set(component)) }))
    .sort((a, b) => (a.files[0] ?? '').localeCompare(b.files[0] ?? ''));
}

function stronglyConnected(next: ReadonlyMap<string, readonly string[]>): string[][] {
  // Iterative Tarjan: the graph is a few hundred files, but recursion depth should not depend on it.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of [...next.keys()].sort()) {
    if (index.has(root)) {
      continue;
    }
    const work: { node: string; child: number }[] = [{ node: root, child: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.node) ?? [];
      if (frame.child < targets.length) {
        const target = targets[frame.child]!;
        frame.child += 1;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter);
          counter += 1;
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, child: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.sort());
      }
    }
  }
  return components;
}

/** The shortest cycle through the component's first file (breadth-first, inside the component). */
function shortestCycle(next: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of next.get(node) ?? []) {
      if (!component.has(target)) {
        continue;
      }
      if (target === start) {
        const path = [node];
        while (path[0] !== start) {
          path.unshift(cameFrom.get(path[0]!)!);
        }
        return path;
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start];
}

/** A cycle as one line: `a.ts -> b.ts -> a.ts`, and how many files its component holds. */
export function describeCycle({ files, cycle }: Cycle): string {
  const path = [...cycle, cycle[0]].join(' -> ');
  return files.length > cycle.length ? `${path} (one cycle among ${files.length} files: ${files.join(', ')})` : path;
}
