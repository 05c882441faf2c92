// Validates the Forge manifests that kiln ships as examples and fixtures
// against the JSON schema published in the real `@forge/manifest` npm package
// (the same schema the Forge CLI's `forge lint` uses), and proves the check
// can fail by feeding it deliberately broken manifests.
//
// Run: node --test tests/e2e/manifest_schema.test.mjs
// Needs the repository's dev dependencies (`npm ci` at the repository root).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const fixturesDir = path.join(repoRoot, 'tests', 'fixtures', 'manifests', 'real');
const examplesDir = path.join(repoRoot, 'examples');

// `@forge/manifest` exports its full JSON schema as `@forge/manifest/schema.json`
// (out/schema/manifest-schema.json inside the package).
const schemaPath = require.resolve('@forge/manifest/schema.json');
const forgeManifestVersion = JSON.parse(
  fs.readFileSync(path.join(path.dirname(schemaPath), '..', '..', 'package.json'), 'utf8'),
).version;
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));

// Same Ajv configuration as @forge/manifest's own SchemaValidator: the schema
// uses a few non-standard annotation keywords and is not strict-mode clean.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addVocabulary(['defaultValue', 'fieldDescription', 'fieldTitle', 'shortClassName', 'tsType', 'maxlength']);
const validateManifest = ajv.compile(schema);

function parseManifestYaml(text, label) {
  // uniqueKeys: a manifest with the same key twice is an error, not "last wins".
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(`${label}: YAML error(s):\n${doc.errors.map((e) => e.message).join('\n')}`);
  }
  return doc.toJS();
}

function formatErrors(errors) {
  return (errors ?? [])
    .map((e) => `  ${e.instancePath || '/'} ${e.keyword}: ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n');
}

function check(manifest) {
  const ok = validateManifest(manifest);
  return { ok, errors: validateManifest.errors ? [...validateManifest.errors] : [] };
}

function listFixtures() {
  return fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(fixturesDir, f));
}

function listExampleManifests() {
  if (!fs.existsSync(examplesDir)) return [];
  return fs
    .readdirSync(examplesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(examplesDir, d.name, 'manifest.yml'))
    .filter((p) => fs.existsSync(p))
    .sort();
}

// Module keys must be unique across all module types (forge lint's
// "found duplicate module key"); the JSON schema cannot express that either.
function duplicateModuleKeys(manifest) {
  const seen = new Map();
  const dups = [];
  for (const [type, items] of Object.entries(manifest.modules ?? {})) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (seen.has(item.key)) dups.push(`'${item.key}' in ${seen.get(item.key)} and ${type}`);
      else seen.set(item.key, type);
    }
  }
  return dups;
}

// References between parts of a manifest that the JSON schema cannot express
// (Forge's own linter checks these separately): every function / endpoint /
// resource / remote named by a module must be declared.
function danglingReferences(manifest) {
  const modules = manifest.modules ?? {};
  const keysOf = (list) => new Set((list ?? []).map((m) => m.key));
  const functions = keysOf(modules.function);
  const endpoints = keysOf(modules.endpoint);
  const resources = keysOf(manifest.resources);
  const remotes = keysOf(manifest.remotes);
  const problems = [];
  for (const [type, items] of Object.entries(modules)) {
    if (type === 'function' || !Array.isArray(items)) continue;
    for (const item of items) {
      const where = `modules.${type}[${item.key}]`;
      if (typeof item.function === 'string' && !functions.has(item.function)) {
        problems.push(`${where}: function '${item.function}' is not declared`);
      }
      if (typeof item.endpoint === 'string' && !endpoints.has(item.endpoint)) {
        problems.push(`${where}: endpoint '${item.endpoint}' is not declared`);
      }
      if (item.resolver?.function && !functions.has(item.resolver.function)) {
        problems.push(`${where}: resolver function '${item.resolver.function}' is not declared`);
      }
      if (item.resolver?.endpoint && !endpoints.has(item.resolver.endpoint)) {
        problems.push(`${where}: resolver endpoint '${item.resolver.endpoint}' is not declared`);
      }
      for (const res of [item.resource, item.edit?.resource]) {
        if (typeof res === 'string' && !resources.has(res.split('/')[0])) {
          problems.push(`${where}: resource '${res}' is not declared`);
        }
      }
      if (type === 'endpoint' && typeof item.remote === 'string' && !remotes.has(item.remote)) {
        problems.push(`${where}: remote '${item.remote}' is not declared`);
      }
    }
  }
  for (const entry of manifest.permissions?.external?.fetch?.backend ?? []) {
    if (entry && typeof entry === 'object' && 'remote' in entry && !remotes.has(entry.remote)) {
      problems.push(`permissions.external.fetch.backend: remote '${entry.remote}' is not declared`);
    }
  }
  return problems;
}

const fixtures = listFixtures();
const examples = listExampleManifests();
const rel = (p) => path.relative(repoRoot, p);

test(`loads the @forge/manifest ${forgeManifestVersion} schema (${rel(schemaPath)})`, () => {
  assert.equal(schema.type, 'object');
  assert.ok(schema.properties?.app && schema.properties?.modules, 'schema describes app and modules');
  assert.equal(typeof validateManifest, 'function');
});

test('there are at least 12 real-style manifest fixtures', () => {
  assert.ok(fixtures.length >= 12, `found only ${fixtures.length} fixtures in ${rel(fixturesDir)}`);
});

test('there is at least 1 example app with a manifest.yml', () => {
  assert.ok(examples.length >= 1, `found no examples/*/manifest.yml under ${rel(examplesDir)}`);
});

for (const file of [...examples, ...fixtures]) {
  test(`valid: ${rel(file)}`, () => {
    const manifest = parseManifestYaml(fs.readFileSync(file, 'utf8'), rel(file));
    const { ok, errors } = check(manifest);
    assert.ok(ok, `${rel(file)} does not validate against the @forge/manifest schema:\n${formatErrors(errors)}`);
    const dangling = danglingReferences(manifest);
    assert.deepEqual(dangling, [], `${rel(file)} has dangling references:\n  ${dangling.join('\n  ')}`);
    const dups = duplicateModuleKeys(manifest);
    assert.deepEqual(dups, [], `${rel(file)} has duplicate module keys:\n  ${dups.join('\n  ')}`);
  });
}

// ---------------------------------------------------------------------------
// Negative cases: the schema must reject these, otherwise the checks above
// prove nothing.

const baseYaml = `
app:
  id: ari:cloud:ecosystem::app/3762ce00-63f4-40d3-84ea-028e67c6a006
  runtime:
    name: nodejs20.x
modules:
  webtrigger:
    - key: site-report
      function: report
  function:
    - key: report
      handler: index.report
permissions:
  scopes:
    - read:jira-work
`;

const base = () => parseManifestYaml(baseYaml, 'base manifest');

test('the unbroken base manifest used for the negative cases is valid', () => {
  const { ok, errors } = check(base());
  assert.ok(ok, formatErrors(errors));
});

const broken = [
  {
    name: 'app.id that is not an ari:cloud:ecosystem::app/ ARI',
    mutate: (m) => {
      m.app.id = 'my-forge-app';
    },
    expect: { instancePath: '/app/id', keyword: 'pattern' },
  },
  {
    name: 'app without an id',
    mutate: (m) => {
      delete m.app.id;
    },
    expect: { instancePath: '/app', keyword: 'required' },
  },
  {
    name: 'manifest without app',
    mutate: (m) => {
      delete m.app;
    },
    expect: { instancePath: '', keyword: 'required' },
  },
  {
    name: 'function without handler',
    mutate: (m) => {
      delete m.modules.function[0].handler;
    },
    expect: { instancePath: '/modules/function/0', keyword: 'required' },
  },
  {
    name: 'function with an empty handler',
    mutate: (m) => {
      m.modules.function[0].handler = '';
    },
    expect: { instancePath: '/modules/function/0/handler', keyword: 'minLength' },
  },
  {
    name: 'unknown top-level key',
    mutate: (m) => {
      m.extensions = { foo: 'bar' };
    },
    expect: { instancePath: '', keyword: 'additionalProperties' },
  },
  {
    name: 'unsupported runtime name',
    mutate: (m) => {
      m.app.runtime.name = 'nodejs16.x';
    },
    expect: { instancePath: '/app/runtime/name', keyword: 'enum' },
  },
  {
    name: 'webtrigger with neither function nor endpoint',
    mutate: (m) => {
      delete m.modules.webtrigger[0].function;
    },
    expect: { instancePath: '/modules/webtrigger/0', keyword: 'oneOf' },
  },
  {
    name: 'scheduledTrigger with an interval Forge does not offer',
    mutate: (m) => {
      m.modules.scheduledTrigger = [{ key: 'tick', function: 'report', interval: 'minute' }];
    },
    expect: { instancePath: '/modules/scheduledTrigger/0', keyword: 'oneOf' },
  },
  {
    name: 'remote operations outside storage/other/compute/fetch',
    mutate: (m) => {
      m.remotes = [{ key: 'backend', baseUrl: 'https://backend.example.com', operations: ['everything'] }];
    },
    expect: { instancePath: '/remotes/0/operations/0', keyword: 'enum' },
  },
  {
    name: 'unknown property in permissions',
    mutate: (m) => {
      m.permissions.egress = ['https://example.com'];
    },
    expect: { instancePath: '/permissions', keyword: 'additionalProperties' },
  },
];

for (const c of broken) {
  test(`rejected: ${c.name}`, () => {
    const manifest = base();
    c.mutate(manifest);
    const { ok, errors } = check(manifest);
    assert.equal(ok, false, `schema accepted a manifest with ${c.name}`);
    const hit = errors.find(
      (e) => e.instancePath === c.expect.instancePath && e.keyword === c.expect.keyword,
    );
    assert.ok(
      hit,
      `expected a '${c.expect.keyword}' error at '${c.expect.instancePath}', got:\n${formatErrors(errors)}`,
    );
  });
}

test('rejected: YAML with a duplicate key (uniqueKeys)', () => {
  const dup = baseYaml.replace('  runtime:\n', '  id: ari:cloud:ecosystem::app/bbe1b6e9-9f57-44cd-9bfd-77871c053219\n  runtime:\n');
  assert.notEqual(dup, baseYaml);
  assert.throws(() => parseManifestYaml(dup, 'duplicate-key manifest'), /unique|duplicate/i);
});

test('the duplicate-key check catches a module key used twice', () => {
  const manifest = base();
  manifest.modules.webtrigger[0].key = 'report';
  assert.ok(check(manifest).ok, 'still schema-valid: the schema cannot see key clashes');
  assert.deepEqual(duplicateModuleKeys(manifest), ["'report' in webtrigger and function"]);
});

test('the reference check catches a module pointing at an undeclared function', () => {
  const manifest = base();
  manifest.modules.webtrigger[0].function = 'no-such-function';
  assert.ok(check(manifest).ok, 'still schema-valid: the schema cannot see references');
  assert.deepEqual(danglingReferences(manifest), [
    "modules.webtrigger[site-report]: function 'no-such-function' is not declared",
  ]);
});
