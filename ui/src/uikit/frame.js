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

const MAX_DEPTH = 128;

export function plainForgeDoc(node, depth = 0) {
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return null;
  const { children: _drop, ...props } = node.props && typeof node.props === 'object' ? node.props : {};
  return {
    type: node.type,
    key: node.key,
    props,
    children: Array.isArray(node.children) ? node.children.map((c) => plainForgeDoc(c, depth + 1)).filter(Boolean) : [],
  };
}
