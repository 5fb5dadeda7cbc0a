// Citations in the code must point into this repository: docs/architecture.md (invariants,
// layers, the pipeline), docs/aws-kms.md (the AWS behaviour followed), docs/*.md, README.md. A
// comment that cites a document the reader cannot open is a dead end.

/** Phrases that name the design documents that lived outside the repository. */
const OUTSIDE_DOCUMENTS: readonly RegExp[] = [/\bDESIGN\.md\b/, /\breference\s*§/, /\breference\//, /\breference\s+[\w-]+\.md\b/];
const MARKDOWN_NAME = /[\w./-]*[\w-]\.md\b/g;

/** One line that cites something the repository does not hold. */
export interface DeadCitation {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/**
 * The lines of `source` that cite a document outside the repository: one of the old design
 * documents, or a Markdown file that `markdownFiles` (the repo's own, repo-relative) does not hold.
 */
export function deadCitations(file: string, source: string, markdownFiles: readonly string[]): DeadCitation[] {
  const found: DeadCitation[] = [];
  source.split('\n').forEach((text, index) => {
    const names = text.match(MARKDOWN_NAME) ?? [];
    const missing = names.some((name) => !markdownFiles.some((existing) => existing === name || existing.endsWith(`/${name.replace(/^\.\//, '')}`)));
    if (missing || OUTSIDE_DOCUMENTS.some((pattern) => pattern.test(text))) {
      found.push({ file, line: index + 1, text: text.trim() });
    }
  });
  return found;
}
