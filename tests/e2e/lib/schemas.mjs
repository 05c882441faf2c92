// Validation of kiln responses against the Jira Cloud OpenAPI response schemas generated into
// tests/e2e/spec/jira-schemas.json by tools/gen-spec.mjs.
//
// The file is OpenAPI 3.0: `nullable`, `readOnly`, `xml`, `example`, `discriminator` … are
// not JSON Schema. `nullable: true` is rewritten into a JSON-Schema null alternative; the
// other annotations are ignored (strict: false). Components are added under an $id so that
// "#/components/schemas/X" references resolve.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './kiln.mjs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

export const SPEC_PATH = process.env.KILN_E2E_SPEC ?? path.join(ROOT, 'tests', 'e2e', 'spec', 'jira-schemas.json');
const DOC_ID = 'https://kiln.invalid/jira-schemas.json';

function convertNullable(node) {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = convertNullable(v);
  if ('nullable' in out) {
    const nullable = out.nullable === true;
    delete out.nullable;
    if (nullable) {
      if (typeof out.type === 'string') {
        out.type = [out.type, 'null'];
        if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      } else if (Array.isArray(out.type)) {
        if (!out.type.includes('null')) out.type = [...out.type, 'null'];
      } else {
        return { anyOf: [out, { type: 'null' }] };
      }
    }
  }
  return out;
}

function rebaseRefs(node) {
  if (Array.isArray(node)) return node.map(rebaseRefs);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : rebaseRefs(v);
  }
  return out;
}

export function loadSpec() {
  if (!existsSync(SPEC_PATH)) {
    throw new Error(`${SPEC_PATH} is missing: run \`node tools/gen-spec.mjs\` to generate it`);
  }
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  if (!spec.operations || !spec.components?.schemas) {
    throw new Error(`${SPEC_PATH}: expected {operations, components.schemas}`);
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: convertNullable(spec.components) });
  const cache = new Map();

  /** Validator for the success response of "METHOD /path" with the given status. */
  function forOperation(op, status) {
    const id = `${op} ${status}`;
    if (!cache.has(id)) {
      const schema = spec.operations[op]?.[String(status)];
      if (!schema) throw new Error(`spec has no ${status} schema for ${op}; has: ${JSON.stringify(Object.keys(spec.operations[op] ?? {}))}`);
      cache.set(id, ajv.compile(rebaseRefs(convertNullable(schema))));
    }
    return cache.get(id);
  }

  function forComponent(name) {
    const id = `#${name}`;
    if (!cache.has(id)) {
      if (!spec.components.schemas[name]) throw new Error(`spec has no component ${name}`);
      cache.set(id, ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` }));
    }
    return cache.get(id);
  }

  return { spec, ajv, forOperation, forComponent };
}

/** Pretty validation errors, each with the offending value. */
export function formatErrors(validate, data) {
  const lines = [];
  for (const e of validate.errors ?? []) {
    let value = data;
    for (const part of e.instancePath.split('/').slice(1)) {
      value = value?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    const extra = e.params?.additionalProperty ? ` "${e.params.additionalProperty}"` : '';
    let shown = JSON.stringify(value);
    if (shown && shown.length > 300) shown = shown.slice(0, 300) + '…';
    lines.push(`  ${e.instancePath || '(root)'} ${e.message}${extra}  [schema ${e.schemaPath}]  value: ${shown}`);
  }
  return lines.join('\n');
}
