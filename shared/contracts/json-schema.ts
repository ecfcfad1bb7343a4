import { z } from 'zod';

export type JsonSchema = { [key: string]: unknown };

/**
 * Collects named schemas (zod `.meta({ id })`) into one components section while converting, so the
 * documents say `QuickReply` once and refer to it. zod puts named schemas in `$defs`; they move to
 * `refBase` and every `$ref` is rewritten. A name whose request and response shapes differ (a strict
 * object, a default) gets an `Input` twin instead of one silently overwriting the other.
 */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};

  /**
   * OpenAPI 3.1 takes JSON Schema 2020-12; AsyncAPI 3.0 payloads are draft-07 (its Schema Object is a
   * superset), so each document converts to its own dialect.
   */
  constructor(
    private readonly refBase: string,
    private readonly target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12',
  ) {}

  /** The JSON Schema (2020-12) of what a client sends (`input`) or receives (`output`). */
  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, { target: this.target, io, unrepresentable: 'any' }) as JsonSchema;
    const { $schema: _dialect, $defs, definitions, ...root } = converted as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
      definitions?: Record<string, JsonSchema>;
    };
    const found = { ...$defs, ...definitions };
    // Names first, comparing each definition (references spelled with plain ids) with what is registered.
    const renames = new Map<string, string>();
    for (const [id, definition] of Object.entries(found)) renames.set(id, this.place(id, this.rewriteRefs(definition, new Map()), io));
    for (const [id, definition] of Object.entries(found)) this.schemas[renames.get(id) ?? id] = this.rewriteRefs(definition, renames);
    return this.rewriteRefs(root, renames);
  }

  private rewriteRefs(node: JsonSchema, renames: Map<string, string>): JsonSchema {
    const walk = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(walk);
      if (value === null || typeof value !== 'object') return value;
      const out: JsonSchema = {};
      for (const [key, child] of Object.entries(value)) {
        const local = typeof child === 'string' ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(child) : null;
        if (key === '$ref' && local?.[1]) {
          const id = local[1];
          out[key] = `${this.refBase}${renames.get(id) ?? id}`;
        } else out[key] = walk(child);
      }
      return out;
    };
    return walk(node) as JsonSchema;
  }

  /** Registers a schema under an explicit name and returns a reference to it. */
  named(name: string, schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = this.convert(schema, io);
    if (typeof converted.$ref === 'string' && Object.keys(converted).length === 1) return converted;
    return { $ref: `${this.refBase}${this.place(name, converted, io)}` };
  }

  private place(id: string, definition: JsonSchema, io: 'input' | 'output'): string {
    for (const candidate of [id, `${id}${io === 'input' ? 'Input' : 'Output'}`]) {
      const existing = this.schemas[candidate];
      if (existing === undefined) {
        this.schemas[candidate] = definition;
        return candidate;
      }
      if (sameJson(existing, definition)) return candidate;
    }
    throw new Error(`schema name ${id} is used for two different shapes; give one of them another id`);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

/** A copy with object keys sorted, so equal schemas compare equal and documents are stable. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
