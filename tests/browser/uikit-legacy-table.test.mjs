// UI Kit apps written for @forge/react 10 (docs/ui.md "UI Kit"): there `DynamicTable` is
// the bare primitive, so the app's `head` and `rows` props reach the bridge as written, and
// a cell's `content` may be a React element (a Button with an onClick). Such a tree cannot
// be posted as it is (an element's $$typeof is a Symbol): before the fix the frame's
// reconcile threw "could not be cloned" and nothing was drawn. The fixture app (our own)
// uses the primitive by its name with @forge/react 11 (examples/global-page-uikit's
// node_modules), which reproduces that shape exactly; the table must show its rows and
// the button in a cell must call the app's handler.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startKiln, tempDir, writeFiles } from '../e2e/lib/kiln.mjs';
import { deployApp } from '../e2e/lib/ui.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A;
let appId;

const ENTRY = `import React, { useState } from 'react';
import ForgeReconciler, { Button, Text, Stack } from '@forge/react';

// @forge/react 10's DynamicTable: the primitive, props passed through as written
const LegacyTable = 'DynamicTable';

const App = () => {
  const [picked, setPicked] = useState('nothing');
  const fruit = ['apple', 'melon'];
  return (
    <Stack>
      <Text>picked: {picked}</Text>
      <LegacyTable
        head={{ cells: [{ key: 'name', content: 'Name' }, { key: 'act', content: 'Action' }] }}
        rows={fruit.map((f) => ({
          key: f,
          cells: [
            { key: 'name', content: f },
            { key: 'act', content: <Button onClick={() => setPicked(f)}>pick {f}</Button> },
          ],
        }))}
      />
    </Stack>
  );
};
ForgeReconciler.render(<App />);
`;

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('ukl', true);
  const dir = path.join(tempDir('uklegacy'), 'legacy-table');
  writeFiles(dir, {
    'manifest.yml': `modules:
  jira:globalPage:
    - key: legacy-page
      resource: main
      render: native
      title: Legacy table
resources:
  - key: main
    path: src/frontend/index.jsx
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes: []
`,
    'package.json': JSON.stringify({ name: 'legacy-table', private: true }),
    'src/frontend/index.jsx': ENTRY,
  });
  symlinkSync(path.join(ROOT, 'examples', 'global-page-uikit', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  appId = await deployApp(k, dir, [A]);
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('a @forge/react 10 DynamicTable (head/rows props, an element in a cell) is drawn and its button works', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/apps/${appId}/legacy-page`);
    const root = page.locator('[data-testid="uikit-root"]');
    await root.getByRole('cell', { name: 'melon', exact: true }).waitFor();
    assert.equal(await root.getByRole('columnheader').count(), 2);
    await root.getByText('picked: nothing').waitFor();
    await root.getByRole('button', { name: 'pick melon' }).click();
    await root.getByText('picked: melon').waitFor();
    assert.deepEqual(page.kilnErrors, []);
  });
});
