/**
 * How deep a JSON text nests, read from its raw UTF-8 bytes before anything parses it. V8's JSON.parse survives
 * deep nesting but takes about a second on a 1 MiB body of `[[[[…`, blocking the event loop that answers /health,
 * and the recursive walks after it (Nest's ValidationPipe, class-transformer) overflow the stack. One pass over
 * the bytes that stops at the first container too deep costs a few milliseconds at most.
 *
 * In UTF-8 the bytes of `"`, `\`, `[`, `]`, `{`, `}`, `:` and `,` never occur inside a multi-byte character, so a
 * byte scan cannot be fooled by text; brackets inside strings are skipped. Invalid JSON is left to JSON.parse.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** A container being read: its current index (array) or the byte span of its current key (object). */
interface Frame {
  array: boolean;
  index: number;
  keyStart: number;
  keyEnd: number;
}

/** Segments of the path shown in a message; the rest is elided (a path 33 levels deep helps nobody). */
const SHOWN_SEGMENTS = 4;

/**
 * The path (`overrides.a.b…`, `credentials[0][0]…`) of the first container nested deeper than `maxDepth` levels
 * (the outermost container is level 1), or null when none is. Linear in the length of `bytes`.
 */
export function tooDeepJsonPath(bytes: Uint8Array, maxDepth: number): string | null {
  const stack: Frame[] = [];
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastStringStart = -1;
  let lastStringEnd = -1;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        inString = false;
        lastStringStart = stringStart;
        lastStringEnd = i + 1;
      }
      continue;
    }
    const top = stack[stack.length - 1];
    switch (c) {
      case QUOTE:
        inString = true;
        stringStart = i;
        break;
      case COLON:
        if (top && !top.array) {
          top.keyStart = lastStringStart;
          top.keyEnd = lastStringEnd;
        }
        break;
      case COMMA:
        if (top?.array) top.index++;
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (stack.length >= maxDepth) return describe(bytes, stack);
        stack.push({ array: c === OPEN_ARRAY, index: 0, keyStart: -1, keyEnd: -1 });
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        stack.pop();
        break;
    }
  }
  return null;
}

function describe(bytes: Uint8Array, stack: Frame[]): string {
  let path = '';
  for (const frame of stack.slice(0, SHOWN_SEGMENTS)) {
    if (frame.array) path += `[${frame.index}]`;
    else {
      const key = keyAt(bytes, frame);
      path += path ? `.${key}` : key;
    }
  }
  return (path || 'body') + (stack.length > SHOWN_SEGMENTS ? '…' : '');
}

function keyAt(bytes: Uint8Array, frame: Frame): string {
  if (frame.keyStart < 0) return '?';
  const literal = Buffer.from(bytes.buffer, bytes.byteOffset + frame.keyStart, frame.keyEnd - frame.keyStart);
  try {
    const key: unknown = JSON.parse(literal.toString('utf8'));
    // Only for a message: a key that is long or holds control characters is not repeated back whole.
    return typeof key === 'string' && key.length <= 64 && !/[\p{Cc}\p{Cs}]/u.test(key) ? key : '?';
  } catch {
    return '?';
  }
}
