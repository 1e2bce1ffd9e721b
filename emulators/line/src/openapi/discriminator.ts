/**
 * LINE's schemas use OpenAPI 3.0 `discriminator` + `mapping` on a base schema whose subtypes extend
 * it through `allOf: [{$ref: Base}]`. JSON Schema validators do not dispatch on discriminators, so
 * this rewrites each such base into:
 *   Base        → "type must be one of the mapping keys, and then match the mapped subtype"
 *   Base__base  → the original base without the discriminator (what the subtypes extend)
 * so a message `{"type":"text"}` is checked against TextMessage, and an unknown type gets an enum error.
 * Also turns OpenAPI's `nullable: true` into a JSON Schema type union.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const BASE_SUFFIX = '__base';

export function rewriteSchemas(schemas: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = structuredClone(schemas);
  const bases = Object.entries(out).filter(([, s]) => isObject(s.discriminator));
  const baseRefs = new Map<string, string>();

  for (const [name, schema] of bases) {
    const disc = schema.discriminator as { propertyName: string; mapping: Record<string, string> };
    const { discriminator: _d, ...plain } = schema;
    out[name + BASE_SUFFIX] = plain;
    baseRefs.set(`#/components/schemas/${name}`, `#/components/schemas/${name}${BASE_SUFFIX}`);
    const prop = disc.propertyName;
    const keys = Object.keys(disc.mapping);
    out[name] = {
      type: 'object',
      required: [prop],
      properties: { [prop]: { type: 'string', enum: keys } },
      allOf: keys.map((key) => ({
        if: { properties: { [prop]: { const: key } }, required: [prop] },
        then: { $ref: disc.mapping[key] },
      })),
      'x-discriminated': name,
    };
  }

  // Subtypes extend the plain base, never the dispatching one (that would recurse forever).
  for (const [name, schema] of Object.entries(out)) {
    if (name.endsWith(BASE_SUFFIX) || !Array.isArray(schema.allOf)) continue;
    schema.allOf = schema.allOf.map((part: unknown) =>
      isObject(part) && typeof part.$ref === 'string' && baseRefs.has(part.$ref)
        ? { $ref: baseRefs.get(part.$ref) }
        : part,
    );
  }
  walk(out, (node) => {
    if (node.nullable === true && typeof node.type === 'string') {
      node.type = [node.type, 'null'];
      delete node.nullable;
    }
  });
  return out;
}

function walk(node: unknown, visit: (n: Json) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (isObject(node)) {
    visit(node);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}
