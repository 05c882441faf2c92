// UI Kit inside the app's frame: the one step the shim (ui/src/frame/shim.js) takes for a
// `reconcile` call before its generic encoding (functions → {__kilnCallback: n}).
//
// @forge/react's reconciler hands over its live container: after an update
// (hostConfig.prepareUpdate sets instance.props = newProps) a node's props still hold
// `children` — React elements, whose $$typeof is a Symbol and whose _owner is a fiber:
// neither can be posted. The real host ignores props.children (the children are the
// node's own `children` array); plainForgeDoc() makes the copy the host needs: nodes of
// {type, key, props without children, children}, at most MAX_DEPTH levels (deeper
// subtrees are cut, and the host's own limit is lower, so it refuses such a tree visibly).
//
// Older @forge/react (10.x) sends DynamicTable as it was written: props `head` and `rows`
// whose cells' `content` may be React elements (a Button in a cell). Those cannot be posted
// either; plainDynamicTable() turns them into the shape @forge/react 11 reconciles to
// (ContentWrapper head/rows → Row → Cell → content nodes), the one the host draws. A React
// element left anywhere else in props is dropped (null): it has no ForgeDoc meaning there.

const MAX_DEPTH = 128;

const isElement = (v) => !!v && typeof v === 'object' && typeof v.$$typeof === 'symbol';

// A React element (or text, or a list of them) as ForgeDoc nodes, as @forge/react 11 does
// for a cell's content (a function component is called with its props).
function elementNodes(v, depth) {
  if (depth > MAX_DEPTH || v === null || v === undefined || typeof v === 'boolean') return [];
  if (typeof v === 'string' || typeof v === 'number') return [{ type: 'String', props: { text: String(v) }, children: [] }];
  if (Array.isArray(v)) return v.flatMap((x) => elementNodes(x, depth + 1));
  if (!isElement(v)) return [];
  const props = v.props && typeof v.props === 'object' ? v.props : {};
  if (typeof v.type === 'function') {
    try {
      return elementNodes(v.type(props), depth + 1);
    } catch {
      return [];
    }
  }
  if (typeof v.type !== 'string') return elementNodes(props.children, depth + 1); // a Fragment
  const { children, ...rest } = props;
  return [{ type: v.type, key: v.key, props: plainProps(rest, depth + 1), children: elementNodes(children, depth + 1) }];
}

// Props as data: React elements inside them dropped (see above).
function plainProps(v, depth) {
  if (isElement(v) || depth > MAX_DEPTH) return null;
  if (Array.isArray(v)) return v.map((x) => plainProps(x, depth + 1));
  if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
  const o = {};
  for (const [k, x] of Object.entries(v)) o[k] = plainProps(x, depth + 1);
  return o;
}

function plainDynamicTable(props, depth) {
  const { head, rows, ...rest } = props;
  const cell = (c) => ({
    type: 'Cell',
    key: c && c.key,
    props: plainProps({ ...(c || {}), cellKey: c && c.key, content: undefined, key: undefined }, depth + 1),
    children: elementNodes(c && c.content, depth + 3),
  });
  const cells = (x) => (x && Array.isArray(x.cells) ? x.cells.map(cell) : []);
  return {
    props: plainProps(rest, depth),
    children: [
      { type: 'ContentWrapper', props: { name: 'head' }, children: head ? cells(head) : [] },
      {
        type: 'ContentWrapper',
        props: { name: 'rows' },
        children: Array.isArray(rows) ? rows.map((r) => ({ type: 'Row', key: r && r.key, props: { rowKey: r && r.key }, children: cells(r) })) : [],
      },
    ],
  };
}

export function plainForgeDoc(node, depth = 0) {
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return null;
  const { children: _drop, ...props } = node.props && typeof node.props === 'object' ? node.props : {};
  const kids = Array.isArray(node.children) ? node.children : [];
  if (node.type === 'DynamicTable' && kids.length === 0 && (props.head || props.rows)) {
    const t = plainDynamicTable(props, depth);
    return { type: node.type, key: node.key, props: t.props, children: t.children };
  }
  return {
    type: node.type,
    key: node.key,
    props: plainProps(props, depth + 1),
    children: kids.map((c) => plainForgeDoc(c, depth + 1)).filter(Boolean),
  };
}
