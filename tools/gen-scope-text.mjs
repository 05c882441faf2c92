#!/usr/bin/env node
// gen-scope-text.mjs — generate ui/src/host/scopeText.json, the description of each OAuth
// scope the consent screens show (docs/ui.md "Consent and administration"), from the
// Jira OpenAPI descriptions in ../shared/reference/jira (platform and software):
// components.securitySchemes.*.flows.*.scopes, {scope: description}, as Atlassian wrote
// them. Nothing is written by hand: a scope with no description there has none here, and
// the screens show its name alone.
//
//   node tools/gen-scope-text.mjs [--check]
//
// Deterministic (keys sorted; the first description met wins, platform before software);
// --check writes nothing and exits 1 when the file is missing or stale. Exits 2 when a
// description cannot be read or has another shape.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REF = process.env.KILN_REFERENCE || join(ROOT, '..', 'shared', 'reference', 'jira');
const SOURCES = ['platform-swagger.v3.json', 'software-swagger.v3.json'];
const OUT = join(ROOT, 'ui', 'src', 'host', 'scopeText.json');

const args = process.argv.slice(2);
const check = args.includes('--check');
if (args.some((a) => a !== '--check')) {
  console.error('gen-scope-text: usage: node tools/gen-scope-text.mjs [--check]');
  process.exit(2);
}

const text = {};
for (const f of SOURCES) {
  let spec;
  try {
    spec = JSON.parse(readFileSync(join(REF, f), 'utf8'));
  } catch (e) {
    console.error(`gen-scope-text: cannot read ${join(REF, f)}: ${e.message}`);
    process.exit(2);
  }
  for (const scheme of Object.values(spec?.components?.securitySchemes ?? {}))
    for (const flow of Object.values(scheme?.flows ?? {}))
      for (const [scope, desc] of Object.entries(flow?.scopes ?? {})) {
        if (typeof desc !== 'string') {
          console.error(`gen-scope-text: ${f}: the description of ${scope} is not a string`);
          process.exit(2);
        }
        if (!(scope in text) && desc.trim()) text[scope] = desc.trim();
      }
}
if (!Object.keys(text).length) {
  console.error('gen-scope-text: no scope descriptions found');
  process.exit(2);
}
const sorted = Object.fromEntries(Object.keys(text).sort().map((k) => [k, text[k]]));
const out = `${JSON.stringify(sorted, null, 2)}\n`;
if (check) {
  const cur = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (cur !== out) {
    console.error(`gen-scope-text: ${OUT} is stale: run node tools/gen-scope-text.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, out);
  console.log(`gen-scope-text: ${Object.keys(sorted).length} scopes in ${OUT}`);
}
