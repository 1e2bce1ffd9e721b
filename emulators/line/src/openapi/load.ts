import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { rewriteSchemas } from './discriminator.js';

/**
 * Loads LINE's official OpenAPI files (copied into ../../openapi) at start and turns them into
 * the emulator's route table: every operation's method, path pattern, query parameters and a
 * compiled validator of its JSON request body. The files are the contract; the handlers only add
 * what the schemas cannot say (see ../limits).
 */
export const OPENAPI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi');

/** The files served through the generic dispatcher (LINE Login/token paths are hand-written). */
const SERVED = ['messaging-api.yml', 'insight.yml'];

export interface QueryParam {
  name: string;
  required: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  pattern: RegExp;
  pathParams: string[];
  query: QueryParam[];
  /** The request body is JSON validated against this schema; undefined when there is none. */
  validateBody?: ValidateFunction;
  /** Binary bodies (rich-menu image upload) declare their media types instead. */
  binaryTypes?: string[];
  /** Whether the spec declares the X-Line-Retry-Key header (push, multicast, narrowcast, broadcast). */
  acceptsRetryKey: boolean;
  validateQuery?: ValidateFunction;
}

type Json = Record<string, unknown>;

export function readSpec(file: string): Json {
  return parse(readFileSync(path.join(OPENAPI_DIR, file), 'utf8')) as Json;
}

export function createAjv(opts: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    validateSchema: false,
    coerceTypes: opts.coerceTypes ?? false,
    // Some LINE schemas put a pattern under `format`; ajv would warn about it on every start.
    logger: { log: () => {}, warn: () => {}, error: console.error },
  });
  // OpenAPI's numeric "formats" are informative; `uri` is the one LINE relies on (absolute URLs).
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'binary', 'date-time', 'uuid', 'date'])
    ajv.addFormat(f, true);
  ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/);
  return ajv;
}

/** Adds a spec's (rewritten) component schemas to ajv under the file name as $id. */
export function addSpecSchemas(ajv: Ajv, file: string, spec: Json): void {
  const components = (spec.components ?? {}) as { schemas?: Record<string, Json> };
  ajv.addSchema({ $id: file, components: { schemas: rewriteSchemas(components.schemas ?? {}) } });
}

export function loadOperations(): Operation[] {
  const ajv = createAjv();
  const queryAjv = createAjv({ coerceTypes: true });
  const ops: Operation[] = [];
  for (const file of SERVED) {
    const spec = readSpec(file);
    addSpecSchemas(ajv, file, spec);
    const paths = spec.paths as Record<string, Record<string, Json>>;
    for (const [p, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'delete'].includes(method)) continue;
        ops.push(buildOperation(ajv, queryAjv, file, p, method.toUpperCase(), op));
      }
    }
  }
  // Literal paths win over templated ones (/richmenu/list before /richmenu/{richMenuId}).
  return ops.sort((a, b) => a.pathParams.length - b.pathParams.length);
}

function buildOperation(
  ajv: Ajv,
  queryAjv: Ajv,
  file: string,
  p: string,
  method: string,
  op: Json,
): Operation {
  const pathParams: string[] = [];
  const pattern = new RegExp(
    '^' +
      p
        .replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`))
        .replace(/\{(\w+)\}/g, (_m, n) => {
          pathParams.push(n);
          return '([^/]+)';
        }) +
      '$',
  );
  const params = (op.parameters ?? []) as { in: string; name: string; required?: boolean; schema?: Json }[];
  const query = params
    .filter((x) => x.in === 'query')
    .map((x) => ({ name: x.name, required: !!x.required, schema: x.schema ?? {} }));
  const acceptsRetryKey = params.some(
    (x) => x.in === 'header' && x.name.toLowerCase() === 'x-line-retry-key',
  );
  const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, { schema?: Json }>;
  const json = content['application/json']?.schema;
  const binaryTypes = Object.keys(content).filter((t) => t !== 'application/json');
  const operation: Operation = {
    operationId: op.operationId as string,
    method,
    path: p,
    pattern,
    pathParams,
    query,
    acceptsRetryKey,
  };
  if (json) operation.validateBody = ajv.compile(refTo(file, json));
  if (binaryTypes.length && !json) operation.binaryTypes = binaryTypes;
  if (query.length)
    operation.validateQuery = queryAjv.compile({
      type: 'object',
      properties: Object.fromEntries(query.map((q) => [q.name, q.schema])),
      required: query.filter((q) => q.required).map((q) => q.name),
    });
  return operation;
}

/** A schema `{$ref: "#/components/..."}` inside a spec becomes a ref into that spec's $id. */
function refTo(file: string, schema: Json): Json {
  if (typeof schema.$ref === 'string') return { $ref: file + schema.$ref };
  return { $id: `${file}#body`, ...schema };
}

export function matchOperation(ops: Operation[], method: string, urlPath: string) {
  for (const op of ops) {
    if (op.method !== method) continue;
    const m = op.pattern.exec(urlPath);
    if (!m) continue;
    const params: Record<string, string> = {};
    op.pathParams.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { op, params };
  }
  return undefined;
}

/** Whether any operation serves this path with another method (405 vs 404). */
export function pathKnown(ops: Operation[], urlPath: string): boolean {
  return ops.some((op) => op.pattern.test(urlPath));
}
