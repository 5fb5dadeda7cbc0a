// Engine messages say what is wrong in the engine's terms; the surfaces add their own hints
// (electron/cli/hints.ts). This finds the string literals under electron/kms/ that speak one
// surface's language instead: a CLI flag (`--out`) or a CLI command (`strongroom backup …`).
// String and template literals only, read with TypeScript's parser: comments may name flags.

import ts from 'typescript';

const CLI_FLAG = /(?:^|[\s(`'"=,[])--[a-z][a-z0-9-]*/;
const CLI_COMMAND = /\bstrongroom [a-z][a-z-]+/;

/** One literal that names a CLI flag or command. */
export interface SurfaceWording {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function literalTexts(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return [node.text];
  }
  if (ts.isTemplateExpression(node)) {
    return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
  }
  return [];
}

/** The literals of one source file that name a CLI flag or a CLI command. */
export function surfaceWordings(file: string, source: string): SurfaceWording[] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: SurfaceWording[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalTexts(node).join('…');
    if (text !== '' && (CLI_FLAG.test(text) || CLI_COMMAND.test(text))) {
      found.push({ file, line: parsed.getLineAndCharacterOfPosition(node.getStart(parsed)).line + 1, text });
    }
    ts.forEachChild(node, visit);
  };
  visit(parsed);
  return found;
}
