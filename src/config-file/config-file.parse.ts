import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** One thing wrong with the file: where (its path in the file, and the line when known) and what. */
export interface Problem {
  path: string;
  message: string;
  line?: number;
}

export type PathPart = string | number;

/** `accounts[2].credentials.accessToken` */
export function pathText(path: readonly PathPart[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(file)' : out;
}

/** `accounts[2].credentials.accessToken: literal secret; use ${ENV_NAME} (line 14)` */
export function problemText(p: Problem): string {
  return `${p.path}: ${p.message}${p.line ? ` (line ${p.line})` : ''}`;
}

/** A config file is written by people, but read before anything else runs: bounded like any input. */
export const MAX_FILE_BYTES = 1024 * 1024;
const MAX_ALIASES = 50;

/** The file as read: its data, and the line of any path in it (the nearest existing one for a missing field). */
export interface ParsedFile {
  data: unknown;
  problems: Problem[];
  lineOf(path: readonly PathPart[]): number | undefined;
}

/**
 * YAML (1.2, `yaml` by eemeli: it keeps every node's source range, so each problem names its line). Syntax errors
 * and duplicate keys are reported with their line and without the text around them: the line could hold a secret
 * someone pasted by mistake.
 */
export function parseConfigText(text: string): ParsedFile {
  const lines = new LineCounter();
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    return { data: null, problems: [{ path: '(file)', message: 'is larger than 1 MiB' }], lineOf: () => undefined };
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  const problems: Problem[] = doc.errors.map((e) => ({
    path: '(file)',
    message: `YAML ${e.code === 'DUPLICATE_KEY' ? 'key repeated' : 'syntax error'}: ${e.message.split('\n')[0]}`,
    line: lineAt(e.pos[0]),
  }));
  let data: unknown = null;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      problems.push({ path: '(file)', message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
    }
  }
  // The line of the field's key (`credentials:`), or of the list item; for a missing field, its nearest parent's.
  const lineOf = (path: readonly PathPart[]) => {
    for (let n = path.length; n > 0; n--) {
      const parent: unknown = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      const last = path[n - 1];
      let node: { range?: [number, number, number] | null } | undefined;
      if (isMap(parent)) {
        node = parent.items.find((p) => isScalar(p.key) && p.key.value === last)?.key as typeof node;
      } else if (isSeq(parent) && typeof last === 'number') {
        node = parent.items[last] as typeof node;
      }
      if (node?.range) return lineAt(node.range[0]);
    }
    return lineAt(doc.contents?.range?.[0]);
  };
  return { data, problems, lineOf };
}
