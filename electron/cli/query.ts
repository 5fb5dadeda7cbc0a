// --query: JMESPath, the whole language (projections, filters, functions, multiselect lists and
// hashes, pipes), through @jmespath-community/jmespath — a maintained, typed implementation of
// the JMESPath Community specification, which extends the one the AWS CLI uses, so every
// `aws --query` expression means the same here. The library is loaded only when --query is given:
// a call without it (most calls) never parses it.

// Types only: erased, so they load nothing.
import type * as Jmespath from '@jmespath-community/jmespath';
import { UsageError } from './usage-error.ts';

export type Query = {
  readonly expression: string;
  /** The query applied to a printable value (bytes as base64 text, times as ISO 8601 text). */
  readonly evaluate: (value: unknown) => unknown;
};

type JsonValue = Parameters<typeof Jmespath.search>[0];
type ExpressionNode = ReturnType<typeof Jmespath.compile>;

/** Compiles an expression before the command runs, so a mistake in it costs nothing. */
export async function parseQuery(expression: string): Promise<Query> {
  const { compile, TreeInterpreter } = await import('@jmespath-community/jmespath');
  let ast: ExpressionNode;
  try {
    ast = compile(expression);
  } catch (err) {
    throw new UsageError(`argument --query: '${expression}' is not a JMESPath expression: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    expression,
    evaluate: (value) => {
      try {
        return TreeInterpreter.search(ast, value as JsonValue);
      } catch (err) {
        // Unknown functions and wrong argument types show only when the expression runs.
        throw new UsageError(`argument --query: '${expression}' failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
