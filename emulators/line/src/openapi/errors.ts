import type { ErrorObject } from 'ajv';
import { badRequest, invalidProperty, type ErrorDetail, type LineError } from '../http/line-error.js';

/**
 * Turns JSON-schema errors into LINE's 400 answer. LINE names the failing property with dots and
 * brackets (`messages[0].contents.body.contents[1].text`) and words size and length errors as
 * "Size must be between 1 and 5" / "Length must be between 0 and 5000". A value of the wrong JSON
 * type never reaches LINE's validation: it fails deserialisation, answered as
 * "The property, '…', in the request body is invalid".
 */
export function toProperty(instancePath: string, prefix = ''): string {
  const parts = instancePath.split('/').slice(1);
  let out = prefix;
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

const join = (base: string, child: string) => (base ? `${base}.${child}` : child);

function describe(e: ErrorObject): { property: string; message: string } | undefined {
  const property = toProperty(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Record<string, number | undefined>;
  switch (e.keyword) {
    case 'if':
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      return undefined; // wrappers: the specific error is reported separately
    case 'required':
      return {
        property: join(property, (e.params as { missingProperty: string }).missingProperty),
        message: 'must be specified',
      };
    case 'enum':
      return {
        property,
        message: `Must be one of the following values: [${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}]`,
      };
    case 'minItems':
    case 'maxItems':
      return {
        property,
        message:
          parent.maxItems !== undefined
            ? `Size must be between ${parent.minItems ?? 0} and ${parent.maxItems}`
            : `Size must be at least ${parent.minItems}`,
      };
    case 'minLength':
    case 'maxLength':
      return {
        property,
        message:
          parent.maxLength !== undefined
            ? `Length must be between ${parent.minLength ?? 0} and ${parent.maxLength}`
            : `Length must be at least ${parent.minLength}`,
      };
    case 'minimum':
      return { property, message: `Must be greater than or equal to ${parent.minimum}` };
    case 'maximum':
      return { property, message: `Must be less than or equal to ${parent.maximum}` };
    case 'format':
      return {
        property,
        message: (e.params as { format: string }).format === 'uri' ? 'Invalid URL' : 'Invalid value',
      };
    case 'pattern':
      return { property, message: 'Invalid value' };
    default:
      return { property, message: e.message ?? 'Invalid value' };
  }
}

export function schemaDetails(errors: ErrorObject[]): ErrorDetail[] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const e of errors) {
    const d = describe(e);
    if (!d) continue;
    const key = `${d.property}\n${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(d);
  }
  return details;
}

/** The LineError for a failed body validation (wrong JSON types first, as LINE's parser would). */
export function schemaError(errors: ErrorObject[]): LineError {
  const typeError = errors.find((e) => e.keyword === 'type');
  if (typeError) return invalidProperty(toProperty(typeError.instancePath) || 'body');
  return badRequest(schemaDetails(errors));
}
