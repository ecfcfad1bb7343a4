/**
 * A small YAML emitter for JSON data (the `yaml` package is not a dependency). Block style for
 * readability; every string is double-quoted with JSON escapes (valid YAML), except multi-line text,
 * which becomes a literal block; keys stay plain only when YAML cannot read them as anything but a
 * string. test/unit/contracts.test.ts parses the output back with a real YAML parser.
 */
export function toYaml(value: unknown): string {
  if (isCollection(value) && !isEmpty(value)) return `${emitCollection(value, 0).join('\n')}\n`;
  return `${scalar(value)}\n`;
}

type Collection = unknown[] | Record<string, unknown>;

function isCollection(value: unknown): value is Collection {
  return value !== null && typeof value === 'object';
}

function isEmpty(value: Collection): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function emitCollection(value: Collection, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        const nested = emitCollection(item, indent + 2);
        // The first line of the item shares the dash: "- key: value".
        lines.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
      } else lines.push(...valueLines(`${pad}-`, item, indent + 2));
    }
    return lines;
  }
  for (const [key, item] of Object.entries(value)) {
    const head = `${pad}${yamlKey(key)}:`;
    if (isCollection(item) && !isEmpty(item)) lines.push(head, ...emitCollection(item, indent + 2));
    else lines.push(...valueLines(head, item, indent + 2));
  }
  return lines;
}

/** A scalar after `head`, as a literal block when it is multi-line text that reads back exactly. */
function valueLines(head: string, value: unknown, indent: number): string[] {
  if (typeof value === 'string' && fitsLiteralBlock(value)) {
    const pad = ' '.repeat(indent);
    return [`${head} |-`, ...value.split('\n').map((line) => (line === '' ? '' : `${pad}${line}`))];
  }
  return [`${head} ${scalar(value)}`];
}

function fitsLiteralBlock(text: string): boolean {
  return (
    text.includes('\n') &&
    !/^[\s]/.test(text) &&
    !/\s$/.test(text) &&
    !/[ \t]\n/.test(text) &&
    // Printable characters only (tab and line feed allowed), as a YAML block requires.
    !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/.test(text) &&
    text.isWellFormed()
  );
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('YAML output takes finite numbers only');
    return String(value);
  }
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  throw new Error(`cannot write ${typeof value} as YAML`);
}

/** JSON escapes are valid in YAML double-quoted scalars; characters YAML deems unprintable are escaped too. */
function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const reservedWords = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

function yamlKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$.-]*$/.test(key) && !reservedWords.test(key) ? key : quote(key);
}
