// Building the aggregated report: one call per site, each with that site's own means of
// access and nothing else.
//
//   way 1  POST-less GET of the site's own web trigger URL, signed with the shared secret;
//          the site's function answers with its own projects.
//   way 2  GET {apiBaseUrl}/rest/api/3/project/search with that installation's app
//          system token (apiBaseUrl is the site's own base, .../ex/jira/{cloudId}).
//
// Calls run at most CONCURRENCY at a time, each with a deadline, no redirects followed
// (a 3xx is an error), and an answer larger than MAX_RESPONSE is cut off as an error.
// A site that fails shows up in the report with a short error; it never fails the others.

import { signedHeaders } from './signature.js';

export const CONCURRENCY = 8;
export const CALL_TIMEOUT_MS = 15_000;
export const MAX_RESPONSE = 4 * 1024 * 1024;
export const MAX_PAGES = 20;
const PAGE_SIZE = 50;

/** Reads at most `max` bytes of the body; throws when there are more. */
async function readCapped(response, max) {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new Error('answer too large');
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > max) throw new Error('answer too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function getJson(url, headers) {
  const response = await fetch(url, {
    method: 'GET',
    headers: { Accept: 'application/json', ...headers },
    redirect: 'manual',
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  let text;
  try {
    text = await readCapped(response, MAX_RESPONSE);
  } catch (e) {
    return { ok: false, status: response.status, error: e.message };
  }
  if (response.status !== 200) {
    return { ok: false, status: response.status, failureCategory: response.headers.get('x-failure-category') };
  }
  try {
    return { ok: true, status: 200, json: JSON.parse(text) };
  } catch {
    return { ok: false, status: 200, error: 'answer is not JSON' };
  }
}

const describeError = (e) =>
  e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timed out' : 'could not be reached';

const cleanProjects = (values) =>
  (Array.isArray(values) ? values : []).slice(0, MAX_PAGES * PAGE_SIZE).map((p) => ({
    id: typeof p?.id === 'string' ? p.id : null,
    key: typeof p?.key === 'string' ? p.key : null,
    name: typeof p?.name === 'string' ? p.name : null,
    projectTypeKey: typeof p?.projectTypeKey === 'string' ? p.projectTypeKey : null,
    description: typeof p?.description === 'string' ? p.description : null,
  }));

/** Way 1: one registered site, through its own web trigger. */
export async function viaWebtrigger(reg, secret) {
  const base = { cloudId: reg.cloudId, installerAccountId: reg.installerAccountId ?? null, via: 'webtrigger' };
  try {
    const url = new URL(reg.webtriggerUrl);
    const r = await getJson(url.href, signedHeaders(secret, { method: 'GET', path: url.pathname, body: '' }));
    if (!r.ok) return { ...base, ok: false, status: r.status, failureCategory: r.failureCategory ?? null, error: r.error ?? `HTTP ${r.status}` };
    const j = r.json;
    // The web trigger says which site answered; it must be the one registered.
    if (j?.cloudId !== reg.cloudId) return { ...base, ok: false, status: 200, error: 'the web trigger answered for another site' };
    const projects = cleanProjects(j.projects);
    return { ...base, ok: true, total: Number.isInteger(j.total) ? j.total : projects.length, truncated: !!j.truncated, projects };
  } catch (e) {
    return { ...base, ok: false, status: 0, error: describeError(e) };
  }
}

/** Way 2: one installation, through the product API with its own system token. */
export async function viaSystemToken(inst) {
  const base = { cloudId: inst.cloudId, installationId: inst.installationId, via: 'remote' };
  const projects = [];
  let total = 0;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const url = `${inst.apiBaseUrl}/rest/api/3/project/search?expand=description&orderBy=key&startAt=${page * PAGE_SIZE}&maxResults=${PAGE_SIZE}`;
      const r = await getJson(url, { Authorization: `Bearer ${inst.systemToken}` });
      if (!r.ok) return { ...base, ok: false, status: r.status, failureCategory: r.failureCategory ?? null, error: r.error ?? `HTTP ${r.status}` };
      const values = Array.isArray(r.json?.values) ? r.json.values : [];
      projects.push(...cleanProjects(values));
      total = Number.isInteger(r.json?.total) ? r.json.total : projects.length;
      if (r.json?.isLast !== false || values.length === 0) return { ...base, ok: true, total, truncated: false, projects };
    }
    return { ...base, ok: true, total, truncated: true, projects };
  } catch (e) {
    return { ...base, ok: false, status: 0, error: describeError(e) };
  }
}

/** Runs fn over items, at most `limit` at a time; results in the items' order. */
export async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The aggregated report over every registered site (way 1) and installation (way 2). */
export async function buildReport(state, { secret, ways = ['webtrigger', 'remote'] }) {
  const report = { generatedAt: new Date().toISOString() };
  if (ways.includes('webtrigger')) {
    const regs = state.listRegistrations();
    report.webtriggers = secret
      ? { sites: await mapLimited(regs, CONCURRENCY, (r) => viaWebtrigger(r, secret)) }
      : { sites: [], error: 'no HMAC secret configured' };
  }
  if (ways.includes('remote')) {
    const insts = state.listInstallations();
    report.remote = { sites: await mapLimited(insts, CONCURRENCY, (i) => viaSystemToken(i)) };
  }
  const all = [...(report.webtriggers?.sites ?? []), ...(report.remote?.sites ?? [])];
  report.summary = {
    sites: new Set(all.map((s) => s.cloudId)).size,
    answered: all.filter((s) => s.ok).length,
    failed: all.filter((s) => !s.ok).length,
  };
  return report;
}

const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
// Control characters (terminal escapes included) in site data never reach the terminal.
const printable = (s) => String(s ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/** The report as plain text, for a terminal. */
export function reportText(report) {
  const lines = [`Cross-site project report, ${report.generatedAt}`];
  const section = (title, part) => {
    if (!part) return;
    lines.push('', `${title}: ${part.sites.length} site${part.sites.length === 1 ? '' : 's'}${part.error ? ` (${part.error})` : ''}`);
    for (const s of part.sites) {
      if (!s.ok) {
        lines.push(`  ${s.cloudId}  FAILED: ${printable(s.error)}${s.failureCategory ? ` (${printable(s.failureCategory)})` : ''}`);
        continue;
      }
      const who = s.installerAccountId ? `, installed by ${printable(s.installerAccountId)}` : '';
      const inst = s.installationId && !s.installerAccountId ? `, installation ${printable(s.installationId)}` : '';
      lines.push(`  ${s.cloudId}  ${s.total} project${s.total === 1 ? '' : 's'}${s.truncated ? ' (first pages only)' : ''}${who}${inst}`);
      for (const p of s.projects) lines.push(`    ${printable(p.key).padEnd(10)} ${clip(printable(p.name), 60)}`);
    }
  };
  section('Way 1, per-site web triggers', report.webtriggers);
  section('Way 2, Forge Remote (app system tokens)', report.remote);
  lines.push('', `${report.summary.sites} site(s), ${report.summary.answered} answered, ${report.summary.failed} failed`);
  return `${lines.join('\n')}\n`;
}
