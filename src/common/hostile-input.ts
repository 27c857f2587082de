import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { BadInput } from './errors';
import { tooDeepJsonPath } from './json-depth';

/**
 * Refuses, before any route or validation sees it, input that would otherwise throw deep inside a library or the
 * database and answer 500: nesting that overflows recursive walkers, keys that shadow Object.prototype, text
 * PostgreSQL cannot store, and strings larger than any field needs. Each refusal is a 400 naming the field.
 */

/**
 * Levels of nesting a body may have (the outermost object is level 1). Crier's deepest body has 3
 * (`overrides.<id>.text`, `article.tags[i]`); 32 leaves room for any future DTO and is far below the depth at
 * which a recursive walker (Nest's ValidationPipe, class-transformer, class-validator) runs out of stack.
 */
export const MAX_DEPTH = 32;
/** Any string (ids, names, URLs, tokens, settings) unless its field is free text; DTOs set tighter caps. */
export const MAX_STRING_LENGTH = 10_000;
/** Free-text fields (below): above the largest DTO cap (a post's `text`, 100,000) and a long article's HTML. */
export const MAX_TEXT_LENGTH = 200_000;
const TEXT_FIELDS = new Set(['text', 'html']);
/** Object keys are field names or ids. */
export const MAX_KEY_LENGTH = 200;
/** Keys that reach or shadow Object.prototype; JSON.parse makes them own properties, and nothing needs them. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `type` of the error thrown from body-parser's `verify` (which makes every error a 403); the filter sends 400. */
export const HOSTILE_INPUT = 'crier.hostile-input';

/** A value being checked, with the way back to the root to name it in a message. */
interface Node {
  value: unknown;
  key: string | number | null;
  parent: Node | null;
  depth: number;
}

/**
 * The first problem found in a parsed body or query (`req.query` is flat), as a message naming the field, or
 * null. Iterative and linear in the size of the value: no recursion for deep input to overflow.
 */
export function findHostileInput(root: unknown, rootName = 'body'): string | null {
  const stack: Node[] = [{ value: root, key: null, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    const v = node.value;
    if (typeof v === 'string') {
      const problem = stringProblem(v, typeof node.key === 'string' && TEXT_FIELDS.has(node.key));
      if (problem) return `${pathOf(node)} ${problem}`;
      continue;
    }
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    const depth = node.depth + 1;
    if (depth > MAX_DEPTH) return `${pathOf(node, SHOWN_SEGMENTS)} is nested deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node, depth });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const problem = keyProblem(key);
      if (problem) return `${pathOf(node) || rootName} ${problem}`;
      if (RESERVED_KEYS.has(key)) return `${join(pathOf(node), key)} is a reserved name and not allowed`;
      stack.push({ value: (v as Record<string, unknown>)[key], key, parent: node, depth });
    }
  }
  return null;
}

const LONE_SURROGATE = /\p{Cs}/u;

function stringProblem(s: string, freeText: boolean): string | null {
  const cap = freeText ? MAX_TEXT_LENGTH : MAX_STRING_LENGTH;
  if (s.length > cap) return `is longer than ${cap} characters`;
  // PostgreSQL stores no NUL in text or jsonb (the insert fails); a lone surrogate has no UTF-8 form at all.
  if (s.includes('\0')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates (\\ud800-\\udfff)';
  return null;
}

function keyProblem(key: string): string | null {
  if (key.length > MAX_KEY_LENGTH) return `has a key longer than ${MAX_KEY_LENGTH} characters`;
  if (key.includes('\0')) return 'has a key with a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(key)) return 'has a key with an unpaired surrogate (\\ud800-\\udfff)';
  return null;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Segments of a deep path shown in a message; the rest is elided (a path 33 levels deep helps nobody). */
const SHOWN_SEGMENTS = 4;

/** `article.tags[2]`; only keys already checked are on the way, so none is long or holds NUL. */
function pathOf(node: Node, shown = Infinity): string {
  const keys: Array<string | number> = [];
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) keys.push(n.key);
  const path = keys.slice(-shown).reduceRight<string>((p, key) => join(p, key), '');
  return keys.length > shown ? `${path}…` : path;
}

/** body-parser's `verify` for JSON: refuses deep nesting before JSON.parse spends time on it. */
export function refuseDeepJson(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string): void {
  // Only UTF-8 can be read byte by byte (see json-depth.ts); a body in UTF-16 is checked after parsing instead.
  if (encoding.toLowerCase() !== 'utf-8') return;
  const path = tooDeepJsonPath(body, MAX_DEPTH);
  if (path !== null) {
    throw Object.assign(new Error(`${path} is nested deeper than ${MAX_DEPTH} levels`), { type: HOSTILE_INPUT });
  }
}

/** Checks the parsed JSON body and the query; mounted after the body parsers, before routing. */
export function hostileInputGuard() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const problem = findHostileInput(req.body, 'body') ?? findHostileInput(req.query, 'query');
    next(problem === null ? undefined : new BadInput(problem));
  };
}
