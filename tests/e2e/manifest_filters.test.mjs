// Trigger filters and event scopes at deploy (docs/events.md, "Filters and event scopes"):
// a trigger's `filter` (ignoreSelf, expression, onError) and the per-event form
// `events: [{eventType, filter, payload}]` deploy when Forge's own schema
// (@forge/manifest) accepts them; a filter expression that is not a Jira expression of
// kiln's subset fails `kiln deploy` with one line, manifest.yml:LINE:COL pointing INTO
// the expression (plain, quoted and block scalars), and stores nothing; a shape Forge's
// schema refuses is refused too; a subscribed product event whose scopes
// permissions.scopes do not cover, and an unknown avi: event, deploy with a warning
// (stderr and --json) while avi:forge:* and app events need none.
//
// Run: node --test tests/e2e/manifest_filters.test.mjs   (needs build/kiln and esbuild)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

import {
  startKiln, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliJson, expectCliFailure, describeCli,
} from './lib/kiln.mjs';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@forge/manifest/schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addVocabulary(['defaultValue', 'fieldDescription', 'fieldTitle', 'shortClassName', 'tsType', 'maxlength']);
const forgeValid = ajv.compile(schema);

// the app every manifest below deploys to (registered in before())
let ID = 'ari:cloud:ecosystem::app/';
// lines 1-10; the trigger's own lines follow from line 11
const HEAD = () => `app:
  id: ${ID}
  runtime:
    name: nodejs22.x
modules:
  function:
    - key: main
      handler: index.run
  trigger:
    - key: on-issue
`;
const TAIL_SCOPES = 'permissions:\n  scopes:\n    - read:jira-work\n';
const SRC = 'export async function run(event) { return { ok: true }; }\n';

function makeApp(name, manifest) {
  const dir = path.join(tempDir('filters'), name);
  writeFiles(dir, { 'manifest.yml': manifest, 'src/index.js': SRC });
  return dir;
}

function versionCount(k) {
  return Number(k.sql('SELECT count(*) FROM versions'));
}

// the runtime's warning depends on the Node.js this machine has: not this file's business
const mods = (ws) => ws.filter((w) => w.path.startsWith('modules.'));
const modLines = (r) => r.stderr.split('\n').filter((l) => /^manifest\.yml:\d+:\d+: modules\./.test(l));

function lineOf(w) {
  return `manifest.yml:${w.line}:${w.col}: ${w.path}${w.key ? ` (key ${w.key})` : ''}: ${w.message}`;
}

describe('trigger filters and event scopes at deploy', () => {
  let k;

  before(async () => {
    k = await startKiln();
    const dir = makeApp('register', `${HEAD()}      function: main\n      events: [avi:forge:installed:app]\n`);
    ID = cliJson(ok(await kiln(k, ['register', dir, '--json']))).ari;
  });

  after(async () => {
    await k?.close();
  });

  it('a filter in both forms deploys as Forge accepts it; the scopes cover the events: no scope warning, one for payload.include', async () => {
    const text = `${HEAD()}      function: main
      events:
        - eventType: avi:jira:updated:issue
          filter:
            ignoreSelf: false
        - eventType: avi:jira:created:issue
          filter:
            expression: "event.issue.fields.labels.includes(\\"urgent\\")"
            onError: RECEIVE_AND_LOG
          payload:
            include:
              fields: [summary]
      filter:
        ignoreSelf: true
        expression: |
          event.changelog?.items
            .some(i => i.field == 'status' && i.toString == 'Done')
${TAIL_SCOPES}`;
    assert.ok(forgeValid(YAML.parse(text)), JSON.stringify(forgeValid.errors));
    const dir = makeApp('good', text);
    const r = ok(await kiln(k, ['deploy', dir, '--json']));
    // the one warning: payload.include is parsed but not applied (no Forge reference says what it trims)
    const w = mods(cliJson(r).warnings);
    assert.deepEqual(w.map(lineOf), [
      'manifest.yml:21:13: modules.trigger[0].events[1].payload (key on-issue): payload.include is not applied: kiln delivers the whole payload (no Forge reference found says what it trims)',
    ]);
    assert.deepEqual(modLines(r), w.map(lineOf), describeCli(r));
  });

  it('a bad expression fails the deploy with one line pointing into it, and stores nothing', async () => {
    const cases = [
      // plain: col 21 is the scalar, 'frob' is 12 characters in
      [`      filter:\n        expression: event.issue.frob()\n`,
        'manifest.yml:14:33: modules.trigger[0].filter.expression: unknown method \'frob\''],
      // single-quoted with '' before the problem
      [`      filter:\n        expression: 'event.issue.key == ''A'' && issue.key'\n`,
        'manifest.yml:14:50: modules.trigger[0].filter.expression: unknown variable \'issue\' (a filter has: event)'],
      // double-quoted with escapes before the problem
      [`      filter:\n        expression: "event.issue.key == \\"\\u00e9\\" # 1"\n`,
        'manifest.yml:14:52: modules.trigger[0].filter.expression: unexpected character \'#\''],
      // a literal block: the problem's own line
      [`      filter:\n        expression: |\n          event.issue.key == 'A'\n            && event.issue.fields.summary.includes()\n`,
        'manifest.yml:16:51: modules.trigger[0].filter.expression: includes takes 1 argument, not 0'],
      // a folded block
      [`      filter:\n        expression: >\n          event.issue.key == 'A' &&\n          event.issue.key = 'B'\n`,
        'manifest.yml:16:27: modules.trigger[0].filter.expression: \'=\' is not an operator here: compare with =='],
      // the per-event form
      [`      filter:\n        ignoreSelf: true\n`,
        'manifest.yml:17:51: modules.trigger[0].events[1].filter.expression: an expression expected, the end of the expression found',
        `      events:\n        - eventType: avi:jira:updated:issue\n          filter: {ignoreSelf: true}\n        - eventType: avi:jira:created:issue\n          filter:\n            expression: "event.issue.key == 'A' ||"\n`],
    ];
    const before = versionCount(k);
    for (const [filter, want, events] of cases) {
      const text = `${HEAD()}      function: main\n${events ?? '      events: [avi:jira:created:issue]\n'}${filter}${TAIL_SCOPES}`;
      // Forge's schema takes any string as an expression: only kiln's compiler refuses these
      assert.ok(forgeValid(YAML.parse(text)), JSON.stringify(forgeValid.errors));
      const dir = makeApp('bad', text);
      const line = expectCliFailure(await kiln(k, ['deploy', dir]), undefined, 1);
      assert.equal(line, want, text);
      assert.equal(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'), text, 'the file is untouched');
    }
    assert.equal(versionCount(k), before, 'no version was stored');
    // the server checks as the CLI does: registering through the admin API is a 400 with the line
    const text = `${HEAD().replace(ID, 'ari:cloud:ecosystem::app/')}      function: main\n      events: [avi:jira:created:issue]\n`
      + `      filter:\n        expression: event.issue.frob()\n${TAIL_SCOPES}`;
    const res = await k.admin('/apps', { method: 'POST', body: { name: 'bad-filter', manifest: text } });
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.message, 'manifest.yml:14:33: modules.trigger[0].filter.expression: unknown method \'frob\'');
  });

  it('filter shapes Forge\'s schema refuses are refused with one line', async () => {
    const cases = [
      ['      filter:\n        onError: IGNORE\n', /^manifest\.yml:14:9: modules\.trigger\[0\]\.filter: needs ignoreSelf, expression or appIsLicensed$/],
      ['      filter:\n        ignoreSelf: true\n        onError: DROP\n', /^manifest\.yml:15:18: modules\.trigger\[0\]\.filter\.onError: "DROP" is not one of IGNORE, IGNORE_AND_LOG, RECEIVE or RECEIVE_AND_LOG$/],
      ['      filter:\n        ignoreSelf: "yes"\n', /^manifest\.yml:14:21: modules\.trigger\[0\]\.filter\.ignoreSelf: expected a boolean, found a string$/],
      ['      filter:\n        ignoreSelf: true\n        jql: project = X\n', /^manifest\.yml:15:9: modules\.trigger\[0\]\.filter: unknown field "jql"/],
      ['      payload:\n        include: {}\n', /^manifest\.yml:14:18: modules\.trigger\[0\]\.payload\.include: needs propertyPaths or fields$/],
    ];
    const before = versionCount(k);
    for (const [tail, re] of cases) {
      const text = `${HEAD()}      function: main\n      events: [avi:jira:created:issue]\n${tail}${TAIL_SCOPES}`;
      assert.equal(forgeValid(YAML.parse(text)), false, `Forge's schema refuses it too:\n${text}`);
      expectCliFailure(await kiln(k, ['deploy', makeApp('shape', text)]), re, 1);
    }
    // the per-event form without its filter: Forge requires one
    const noFilter = `${HEAD()}      function: main\n      events:\n        - eventType: avi:jira:created:issue\n${TAIL_SCOPES}`;
    assert.equal(forgeValid(YAML.parse(noFilter)), false);
    expectCliFailure(await kiln(k, ['deploy', makeApp('nofilter', noFilter)]),
      /^manifest\.yml:13:11: modules\.trigger\[0\]\.events\[0\]: missing required field "filter"$/, 1);
    assert.equal(versionCount(k), before, 'no version was stored');
  });

  it('events the scopes do not cover and unknown event names deploy with warnings; avi:forge:* and app events (avi:cloud:ecosystem::event/...) need none', async () => {
    const text = `${HEAD()}      function: main
      events:
        - avi:jira:created:issue
        - avi:forge:installed:app
        - my-app-event
        - avi:jira:created:isue
        - avi:cloud:ecosystem::event/${ID}/job-done
    - key: on-comment
      function: main
      events:
        - eventType: avi:jira:commented:issue
          filter:
            ignoreSelf: true
permissions:
  scopes:
    - read:issue:jira
    - storage:app
`;
    assert.ok(forgeValid(YAML.parse(text)), JSON.stringify(forgeValid.errors));
    const dir = makeApp('scopes', text);
    const r = ok(await kiln(k, ['deploy', dir, '--json']));
    const w = mods(cliJson(r).warnings);
    assert.deepEqual(w.map((x) => [x.line, x.col, x.path, x.key]), [
      [13, 11, 'modules.trigger[0].events[0]', 'on-issue'],
      [16, 11, 'modules.trigger[0].events[3]', 'on-issue'],
      [21, 22, 'modules.trigger[1].events[0].eventType', 'on-comment'],
    ], JSON.stringify(w));
    assert.equal(w[0].message, 'not subscribed to avi:jira:created:issue: needs scope read:jira-work '
      + '(or read:issue-type:jira, read:project:jira, read:status:jira, read:user:jira)');
    assert.equal(w[1].message, 'unknown event avi:jira:created:isue: neither Forge\'s event list nor kiln knows it');
    assert.match(w[2].message, /^not subscribed to avi:jira:commented:issue: needs scope read:jira-work \(or .*read:comment:jira/);
    assert.deepEqual(modLines(r), w.map(lineOf), describeCli(r));
    // with the classic scope, only the unknown name is left
    const dir2 = makeApp('scopes2', text.replace('    - storage:app\n', '    - storage:app\n    - read:jira-work\n'));
    const w2 = mods(cliJson(ok(await kiln(k, ['deploy', dir2, '--json']))).warnings);
    assert.deepEqual(w2.map((x) => x.message), [w[1].message]);
  });
});
