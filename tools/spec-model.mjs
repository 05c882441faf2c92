// spec-model.mjs — what tools/gen-spec.mjs and tools/gen-api-doc.mjs both read: the Jira
// OpenAPI descriptions, the reviewed table of newer operations, and kiln's product route
// table. Node built-ins only. Every function throws an Error with a one-line message on
// bad input; the scripts turn that into exit 2 (unreadable input) or 1 (a check failed).
//
// The operations, each {method, path, classic, granular, source, doc?, note?}:
//   platform  every operation of the Jira Cloud platform description (2022) with its
//             x-atlassian-oauth2-scopes: classic = state "Current", granular = state
//             "Beta" (NULL when absent);
//   v2 twin   for every /rest/api/3/... operation, /rest/api/2/... with the same scope
//             sets: Atlassian documents REST v2 as the same operations as v3 with the same
//             scopes (only rich-text fields differ), and the 2022 file has v3 only;
//   software  every /rest/agile/... operation of the Jira Software description (2022):
//             its `security: [{OAuth2: [...]}]` set, the only one it gives, is taken as the
//             classic set (granular NULL: Atlassian's Software pages list one set per
//             operation, e.g. api-group-sprint's "Create sprint": write:sprint:jira-software);
//             an empty list needs no scope, as there;
//   extra     tools/scopes-extra.json: operations newer than both files, each with the
//             Atlassian page its scopes were read from (and "v2": true when Atlassian has
//             the /rest/api/2 twin, which is then added as above).
// An operation in two sources is an error: the extra table holds only what the files lack,
// unless its entry says "replaces": "platform" | "software" (Atlassian changed the scopes
// since 2022; the entry's page says so), which then replaces that row.
//
// Route lines (src/product/**/*.c), matched by ROUTE_RE over the whole file text:
//   {"GET", "/rest/api/3/myself", user_myself},
//   V23("GET", "/issue/{issueIdOrKey}", issue_get),   -> /rest/api/2/... and /rest/api/3/...
// each optionally followed (after its comma) by one comment `/* api: TEXT */` (may wrap
// over lines): what kiln does differently from Jira for that operation, for docs/api.md.
// Method and path must be string literals: a `{"METHOD", ` or `V23(` (other than V23's
// #define) that does not start such an entry is an error naming its line, so no route is
// left out unseen. Nothing inside another comment or after `//` is read.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const METHOD_RE = /^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)$/;
const PATH_RE = /^\/rest\/[A-Za-z0-9._~{}\/-]+$/;
const SCOPE_RE = /^[A-Za-z0-9:._-]+$/;
const MAX_INPUT = 64 << 20; /* bytes of any file read here */

/** Byte-order comparison (same as strcmp on the UTF-8 strings). */
export const cmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
export const byPathMethod = (a, b) => cmp(a.path, b.path) || cmp(a.method, b.method);

export function readText(path, what) {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${err.code ?? err.message}`);
  }
  if (!st.isFile()) throw new Error(`${what} ${path} is not a file`);
  if (st.size > MAX_INPUT) throw new Error(`${what} ${path} is larger than ${MAX_INPUT} bytes`);
  return readFileSync(path, 'utf8');
}

export function readJson(path, what) {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path} is not JSON: ${err.message}`);
  }
}

/** The input paths: arguments override the environment, which overrides the defaults. */
export function inputPaths(env = process.env) {
  return {
    platform: resolve(ROOT, env.KILN_SPEC ?? '../shared/reference/jira/platform-swagger.v3.json'),
    software: resolve(ROOT, env.KILN_SOFTWARE_SPEC ?? '../shared/reference/jira/software-swagger.v3.json'),
    extra: resolve(ROOT, env.KILN_SCOPES_EXTRA ?? 'tools/scopes-extra.json'),
    routes: resolve(ROOT, env.KILN_ROUTES_DIR ?? 'src/product'),
  };
}

export function loadInputs(paths = inputPaths()) {
  const platform = readJson(paths.platform, 'OpenAPI description');
  const software = readJson(paths.software, 'Jira Software OpenAPI description');
  for (const [what, s] of [['platform', platform], ['software', software]]) {
    if (!s || typeof s.paths !== 'object' || !s.paths) throw new Error(`the ${what} description has no paths`);
  }
  const extra = readJson(paths.extra, 'extra scope table');
  return { paths, platform, software, extra, routes: readRoutes(paths.routes) };
}

const scopeText = (list) => list.join(' ');

function checkScopes(list, where) {
  if (!Array.isArray(list)) throw new Error(`${where}: scopes must be a list`);
  for (const s of list) if (typeof s !== 'string' || !SCOPE_RE.test(s)) throw new Error(`${where}: bad scope ${JSON.stringify(s)}`);
  return scopeText(list);
}

/** Every operation kiln knows the scopes of, sorted by (path, method), one row each. */
export function scopeRows({ platform, software, extra }) {
  const rows = new Map();
  const add = (row, replaces = null) => {
    const key = `${row.method} ${row.path}`;
    const had = rows.get(key);
    if (had && !(replaces && had.source === replaces)) throw new Error(`${key} is in both ${had.source} and ${row.source}`);
    if (!had && replaces) throw new Error(`${key} "replaces" ${replaces}, which has no such operation`);
    rows.set(key, had ? { ...row, replaced: had } : row);
  };
  const twin = (row) => row.path.startsWith('/rest/api/3/') &&
    add({ ...row, path: '/rest/api/2/' + row.path.slice('/rest/api/3/'.length), source: `${row.source} (v2 twin)` });

  for (const [path, item] of Object.entries(platform.paths)) {
    for (const m of METHODS) {
      const op = item?.[m];
      if (!op) continue;
      const sets = op['x-atlassian-oauth2-scopes'] ?? [];
      const pick = (state) => {
        const e = sets.find((x) => x.state === state);
        return e ? scopeText(e.scopes ?? []) : null;
      };
      const row = { method: m.toUpperCase(), path, classic: pick('Current'), granular: pick('Beta'), source: 'platform' };
      add(row);
      twin(row);
    }
  }
  for (const [path, item] of Object.entries(software.paths)) {
    if (!path.startsWith('/rest/agile/')) continue; /* its DevOps paths carry no scopes: the extra table has them */
    for (const m of METHODS) {
      const op = item?.[m];
      if (!op) continue;
      const oauth = (op.security ?? []).find((s) => s && Array.isArray(s.OAuth2));
      add({ method: m.toUpperCase(), path, classic: oauth ? scopeText(oauth.OAuth2) : null, granular: null, source: 'software' });
    }
  }
  if (!Array.isArray(extra?.operations)) throw new Error('the extra scope table has no "operations" list');
  extra.operations.forEach((e, i) => {
    const where = `scopes-extra.json operations[${i}]`;
    if (!e || typeof e !== 'object') throw new Error(`${where}: not an object`);
    if (!METHOD_RE.test(e.method ?? '')) throw new Error(`${where}: bad method ${JSON.stringify(e.method)}`);
    if (!PATH_RE.test(e.path ?? '')) throw new Error(`${where}: bad path ${JSON.stringify(e.path)}`);
    if (typeof e.doc !== 'string' || !/^https:\/\/developer\.atlassian\.com\//.test(e.doc)) {
      throw new Error(`${where} (${e.method} ${e.path}): "doc" must be the developer.atlassian.com page the scopes come from`);
    }
    if (typeof e.evidence !== 'string' || !e.evidence.trim()) throw new Error(`${where} (${e.method} ${e.path}): "evidence" must say where the scopes were read`);
    if (e.classic == null && e.granular == null) throw new Error(`${where} (${e.method} ${e.path}): no scope set`);
    const row = {
      method: e.method, path: e.path, source: 'extra', doc: e.doc, evidence: e.evidence, note: e.note ?? null,
      classic: e.classic == null ? null : checkScopes(e.classic, where),
      granular: e.granular == null ? null : checkScopes(e.granular, where),
    };
    if (e.replaces != null && !['platform', 'software'].includes(e.replaces)) throw new Error(`${where}: "replaces" must be "platform" or "software"`);
    add(row, e.replaces ?? null);
    if (e.v2) {
      if (!e.path.startsWith('/rest/api/3/')) throw new Error(`${where}: "v2" is for /rest/api/3 operations`);
      twin(row);
    }
  });
  return [...rows.values()].sort(byPathMethod);
}

/** Every scope name the descriptions and the extra table know, sorted and unique. */
export function scopeNames({ platform, software }, rows) {
  const names = new Set();
  for (const r of rows) for (const set of [r.classic, r.granular]) for (const n of (set ?? '').split(' ')) if (n) names.add(n);
  for (const spec of [platform, software]) {
    for (const scheme of Object.values(spec.components?.securitySchemes ?? {})) {
      if (scheme?.type !== 'oauth2') continue;
      for (const flow of Object.values(scheme.flows ?? {})) for (const n of Object.keys(flow?.scopes ?? {})) names.add(n);
    }
  }
  return [...names].sort(cmp);
}

// ---------------------------------------------------------------- the route table

// {"GET", "/rest/...", handler}  or  V23("GET", "/...", handler), then an optional
// `, /* api: TEXT */`. The text of the comment may span lines.
export const ROUTE_RE =
  /(?:\{\s*"([A-Z]+)"\s*,\s*"(\/[^"]*)"\s*,\s*([A-Za-z_]\w*)\s*\}|\bV23\(\s*"([A-Z]+)"\s*,\s*"(\/[^"]*)"\s*,\s*([A-Za-z_]\w*)\s*\))(?:\s*,)?(?:[ \t]*\/\*\s*api:([\s\S]*?)\*\/)?/g;

function cFiles(dir) {
  const out = [];
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read the route folder ${dir}: ${err.code ?? err.message}`);
  }
  for (const d of names) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...cFiles(p));
    else if (d.isFile() && d.name.endsWith('.c')) out.push(p);
  }
  return out.sort(cmp);
}

/** Routes of one C source text: [{method, path, handler, api, file, line}]. */
export function parseRoutes(text, file = '<text>') {
  const out = [];
  /* comments other than api: ones become blanks (newlines kept, so line numbers hold) */
  const blank = (c) => c.replace(/[^\n]/g, ' ');
  text = text.replace(/\/\*(?!\s*api:)[\s\S]*?\*\/|\/\/[^\n]*/g, blank);
  /* every V23( use (not its #define) and every {"METHOD", must start an entry the regex
     reads: none is skipped silently */
  const read = new Set([...text.matchAll(ROUTE_RE)].map((m) => m.index));
  const lineOf = (i) => text.slice(0, i).split('\n').length;
  for (const m of text.matchAll(/\bV23\s*\(|\{\s*"(?:GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS)"\s*,/g)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (/^\s*#\s*define\b/.test(text.slice(lineStart, m.index)) || read.has(m.index)) continue;
    throw new Error(`${file}:${lineOf(m.index)}: a route the reader cannot read ("${m[0]}..."): write {"METHOD", "/rest/...", handler} or V23("METHOD", "/path", handler)`);
  }
  for (const m of text.matchAll(ROUTE_RE)) {
    const line = text.slice(0, m.index).split('\n').length;
    const api = m[7] == null ? null : m[7].split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim()).join(' ').replace(/\s+/g, ' ').trim();
    if (api === '') throw new Error(`${file}:${line}: empty /* api: */ comment`);
    if (api && /<!--|-->/.test(api)) throw new Error(`${file}:${line}: an /* api: */ comment may not hold "<!--" or "-->" (docs/api.md's markers)`);
    const v23 = m[4] !== undefined;
    const method = v23 ? m[4] : m[1];
    const p = v23 ? m[5] : m[2];
    const handler = v23 ? m[6] : m[3];
    if (!METHOD_RE.test(method)) throw new Error(`${file}:${line}: unknown method "${method}"`);
    const paths = v23 ? ['/rest/api/2' + p, '/rest/api/3' + p] : [p];
    if (v23 && p.startsWith('/rest/')) throw new Error(`${file}:${line}: V23 takes the path after /rest/api/N, not "${p}"`);
    for (const full of paths) {
      if (!PATH_RE.test(full)) throw new Error(`${file}:${line}: route path "${full}" is not a /rest/... template`);
      out.push({ method, path: full, handler, api, file, line });
    }
  }
  return out;
}

/** The product's routes, from every .c file under `dir`, sorted; a route twice is an error. */
export function readRoutes(dir) {
  const seen = new Map();
  for (const f of cFiles(dir)) {
    const rel = relative(ROOT, f);
    for (const r of parseRoutes(readText(f, 'route source'), rel)) {
      const key = `${r.method} ${r.path}`;
      const had = seen.get(key);
      if (had) throw new Error(`${r.file}:${r.line}: route ${key} is already at ${had.file}:${had.line}`);
      seen.set(key, r);
    }
  }
  return [...seen.values()].sort(byPathMethod);
}

/** Throws naming every route without an operation in the scope rows (kiln would refuse to start). */
export function checkRoutesScoped(routes, rows) {
  const have = new Set(rows.map((r) => `${r.method} ${r.path}`));
  const missing = routes.filter((r) => !have.has(`${r.method} ${r.path}`));
  if (missing.length) {
    throw new Error(`route(s) with no operation in the scope table (add them to tools/scopes-extra.json with their Atlassian page): ${
      missing.map((r) => `${r.method} ${r.path} (${r.file}:${r.line})`).join(', ')}`);
  }
}
