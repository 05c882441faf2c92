// A Jira status as a lozenge appearance, by its category (Jira's own colours).
const BY_CATEGORY = { new: 'default', indeterminate: 'inprogress', done: 'success' };

export function statusAppearance(status) {
  return BY_CATEGORY[status?.statusCategory?.key] || 'default';
}
