// The panel's resolver: notes kept per issue in app storage, and who is asking (the
// context kiln gives a resolver called through the bridge: accountId, extension.issue).
import Resolver from '@forge/resolver';
import { kvs } from '@forge/kvs';

const resolver = new Resolver();
const keyOf = (context) => `notes:${context.extension.issue.key}`;

resolver.define('getNotes', async ({ context }) => ({
  issueKey: context.extension.issue.key,
  accountId: context.accountId,
  notes: (await kvs.get(keyOf(context))) ?? [],
}));

resolver.define('addNote', async ({ payload, context }) => {
  const text = String(payload?.text ?? '').slice(0, 500);
  if (!text) throw new Error('A note needs some text.');
  const notes = ((await kvs.get(keyOf(context))) ?? []).concat([{ text, by: context.accountId }]).slice(-20);
  await kvs.set(keyOf(context), notes);
  return notes;
});

export const handler = resolver.getDefinitions();
