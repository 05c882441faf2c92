// The page's resolver: the fruit list kept in app storage (one list per installation).
import Resolver from '@forge/resolver';
import { kvs } from '@forge/kvs';

const resolver = new Resolver();
const KEY = 'fruits';
const SIZES = ['small', 'medium', 'large'];

resolver.define('getFruits', async () => (await kvs.get(KEY)) ?? []);

resolver.define('addFruit', async ({ payload, context }) => {
  const name = String(payload?.name ?? '').trim().slice(0, 100);
  const size = SIZES.includes(payload?.size) ? payload.size : null;
  if (!name) throw new Error('A fruit needs a name.');
  if (!size) throw new Error(`The size must be one of ${SIZES.join(', ')}.`);
  const list = ((await kvs.get(KEY)) ?? []).concat([{ name, size, by: context.accountId }]).slice(-50);
  await kvs.set(KEY, list);
  return list;
});

export const handler = resolver.getDefinitions();
