// Helpers the UI Kit component rows share (components.jsx and the rows beside it): how a
// ForgeDoc node's props become an @atlaskit component's props, and how the component's
// events become arguments that can be posted to the app's frame (plain data only: an
// event object, a DOM node or a function cannot cross the channel).

// What an input's change event becomes on the way to the app's frame: what @forge/react's
// useForm reads (event.target.type/value/checked), nothing that cannot be posted.
export function changeArg(e) {
  if (e && e.target && typeof e.target === 'object') {
    const t = e.target;
    return { target: { type: t.type, value: t.value, checked: t.checked, name: t.name, id: t.id } };
  }
  return e === undefined ? null : e;
}

export const pick = (p, names) => {
  const o = {};
  for (const n of names) if (p[n] !== undefined && p[n] !== null) o[n] = p[n];
  return o;
};

export const fieldProps = (p) =>
  pick(p, ['id', 'name', 'placeholder', 'isDisabled', 'isInvalid', 'isRequired', 'isReadOnly', 'aria-invalid', 'testId', 'width', 'maxLength', 'minLength', 'type', 'autoFocus']);

// onChange/onBlur/onFocus of a field: one posted argument each.
export const fieldEvents = (p, r) => {
  const o = {};
  for (const k of ['onChange', 'onBlur', 'onFocus']) {
    const f = r.fn(p[k]);
    if (f) o[k] = (e) => f(changeArg(e));
  }
  return o;
};

export const click = (p, r) => {
  const f = r.fn(p.onClick);
  return f ? () => f() : undefined;
};

// What a focus/blur/close/expand event becomes: its type, or null.
export const eventArg = (e) => (e && typeof e === 'object' && typeof e.type === 'string' ? { type: e.type } : null);

// The first ContentWrapper child named `name` (how @forge/react passes a component's
// render props: Popup's content/trigger, InlineEdit's editView/readView, Comment's avatar).
export const part = (n, name) => n.children.find((c) => c.type === 'ContentWrapper' && c.props.name === name) || null;

export const str = (v) => (typeof v === 'string' ? v : undefined);
export const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

// The props `names` of p, each checked by `kind` (undefined when it does not pass).
export const each = (p, names, kind) => Object.fromEntries(names.map((k) => [k, kind(p[k])]));

// The event prop `k` of p as a handler that posts `arg(...)` of what the component gives
// it (one plain argument), or undefined when the app set none.
export const handler = (p, r, k, arg) => {
  const f = r.fn(p[k]);
  return f ? (e) => f(arg(e)) : undefined;
};
