// The UI Kit component table: one row per @forge/react component name, mapping the
// ForgeDoc node to the real Atlassian Design System component (npm @atlaskit/*) that
// Jira's own host renders it with. A table, not a switch: render.jsx looks the node's
// type up here; a name without a row renders as a visible placeholder naming it.
//
// Each row is (node, r) => React element, where node = {type, props, children, key}
// (already checked by forgedoc.js) and r is the render context from render.jsx:
//   r.kids(node)        the node's children rendered
//   r.fn(prop)          an event prop ({__kilnCallback}) as a callback, or undefined
//   r.text(node)        the plain text of a subtree (for labels, titles)
//   r.searchUsers(q)    the site's users for UserPicker (the host gives it)
// Props an app passes that the ADS component does not know are simply not forwarded.

import React from 'react';
import Button, { IconButton, LinkButton } from '@atlaskit/button/new';
import ButtonGroup from '@atlaskit/button/button-group';
import LoadingButton from '@atlaskit/button/loading-button';
import Heading from '@atlaskit/heading';
import { Box, Inline, Stack, Text, Bleed, Pressable } from '@atlaskit/primitives';
import Textfield from '@atlaskit/textfield';
import TextArea from '@atlaskit/textarea';
import Select, { AsyncSelect } from '@atlaskit/select';
import { Checkbox } from '@atlaskit/checkbox';
import { Radio, RadioGroup } from '@atlaskit/radio';
import Toggle from '@atlaskit/toggle';
import { DatePicker, TimePicker } from '@atlaskit/datetime-picker';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import Badge from '@atlaskit/badge';
import { SimpleTag as Tag } from '@atlaskit/tag';
import TagGroup from '@atlaskit/tag-group';
import SectionMessage, { SectionMessageAction } from '@atlaskit/section-message';
import Link from '@atlaskit/link';
import Modal, { ModalBody, ModalFooter, ModalHeader, ModalTitle, ModalTransition } from '@atlaskit/modal-dialog';
import Tabs, { Tab, TabList, TabPanel } from '@atlaskit/tabs';
import Spinner from '@atlaskit/spinner';
import ProgressBar from '@atlaskit/progress-bar';
import Avatar from '@atlaskit/avatar';
import AvatarGroup from '@atlaskit/avatar-group';
import {
  FormHeader,
  FormSection,
  FormFooter,
  Label,
  ErrorMessage,
  HelperMessage,
  ValidMessage,
  RequiredAsterisk,
} from '@atlaskit/form';
import { AdfDocument } from './adf.jsx';
import { pick, fieldProps, fieldEvents, click } from './props.js';
import { xcssStyle } from './xcss.js';
import { OVERLAY_ROWS } from './overlays.jsx';
import { NAVIGATION_ROWS } from './navigation.jsx';
import { COMMENT_ROWS } from './comment.jsx';
import { CHART_ROWS, CHART_TYPES } from './chart-rows.jsx';
import { CodeBlock } from './codeblock.jsx';
import { MORE_ROWS } from './more.jsx';
import { GLYPH_ROWS, GLYPH_TYPES, buttonIcon } from './glyph-rows.jsx';
import { FILE_ROWS } from './files.jsx';
import { frameRow } from './frame-row.jsx';

const placeholderBox = (name) => (
  <div data-kiln-uikit-placeholder={name} style={{ border: '1px dashed #c1c7d0', padding: 8, color: '#5e6c84' }}>
    UI Kit component “{name}” is not supported by kiln yet
  </div>
);

// DynamicTable's ForgeDoc (from @forge/react's components/dynamic-table.js): children are
// ContentWrapper{name:'head'} → Cell{cellKey,...} and ContentWrapper{name:'rows'} →
// Row{rowKey} → Cell; the cells' children are the content.
function dynamicTable(n, r) {
  const part = (name) => n.children.find((c) => c.type === 'ContentWrapper' && c.props.name === name);
  const cell = (c, i) => ({
    key: String(c.props.cellKey ?? i),
    content: r.kids(c),
    isSortable: !!c.props.isSortable,
    width: typeof c.props.width === 'number' ? c.props.width : undefined,
  });
  const head = part('head');
  const rows = part('rows');
  const p = n.props;
  return (
    <DynamicTable
      caption={typeof p.caption === 'string' ? p.caption : undefined}
      head={head ? { cells: head.children.filter((c) => c.type === 'Cell').map(cell) } : undefined}
      rows={(rows ? rows.children : [])
        .filter((x) => x.type === 'Row')
        .map((row, i) => ({ key: String(row.props.rowKey ?? i), cells: row.children.filter((c) => c.type === 'Cell').map(cell) }))}
      rowsPerPage={typeof p.rowsPerPage === 'number' ? p.rowsPerPage : undefined}
      defaultPage={typeof p.defaultPage === 'number' ? p.defaultPage : undefined}
      isLoading={!!p.isLoading}
      isRankable={false}
      emptyView={typeof p.emptyView === 'string' ? <span>{p.emptyView}</span> : undefined}
      testId={p.testId}
    />
  );
}

// UserPicker: the site's users, searched through the host (the Jira API as the user).
function UserPickerField({ n, r }) {
  const p = n.props;
  const onChange = r.fn(p.onChange);
  const load = async (q) => {
    const users = await r.searchUsers(q || '');
    return users.map((u) => ({ label: u.displayName, value: u.accountId }));
  };
  return (
    <>
      {p.label ? <Label htmlFor={p.name}>{p.label}</Label> : null}
      <AsyncSelect
        inputId={p.name}
        name={p.name}
        isMulti={!!p.isMulti}
        placeholder={p.placeholder}
        defaultOptions
        loadOptions={load}
        onChange={(v) => onChange && onChange(Array.isArray(v) ? v.map((x) => ({ id: x.value, name: x.label })) : v ? { id: v.value, name: v.label } : null)}
      />
      {p.description ? <HelperMessage>{p.description}</HelperMessage> : null}
    </>
  );
}

function UserView({ accountId, r, size }) {
  const [name, setName] = React.useState(null);
  React.useEffect(() => {
    let live = true;
    r.lookupUser(accountId).then((u) => live && setName(u ? u.displayName : accountId));
    return () => {
      live = false;
    };
  }, [accountId]);
  return (
    <Inline space="space.050" alignBlock="center">
      <Avatar size={size || 'small'} name={name || ''} />
      <span data-kiln-user={accountId}>{name ?? '…'}</span>
    </Inline>
  );
}

const textOf = (n, r) => r.text(n);

// Box's / Pressable's xcss as an inline style of token values (xcss.js: only its table's
// properties and values; the rest is dropped)
const BOX_ELEMENTS = new Set(['div', 'span', 'section', 'article', 'aside', 'header', 'footer', 'main', 'nav', 'ul', 'ol', 'li', 'p', 'strong', 'em']);
const xcssOf = (n) => (n.props.xcss ? xcssStyle(n.props.xcss).style : undefined);

export const COMPONENTS = {
  Root: (n, r) => <>{r.kids(n)}</>,
  String: (n) => <>{typeof n.props.text === 'string' ? n.props.text : ''}</>,
  Text: (n, r) => (
    <Text as="p" {...pick(n.props, ['size', 'weight', 'align', 'color', 'maxLines'])}>
      {r.kids(n)}
    </Text>
  ),
  Strong: (n, r) => <strong>{r.kids(n)}</strong>,
  Em: (n, r) => <em>{r.kids(n)}</em>,
  Strike: (n, r) => <s>{r.kids(n)}</s>,
  Code: (n, r) => <code>{r.kids(n)}</code>,
  CodeBlock: (n) => <CodeBlock p={n.props} />,
  Heading: (n, r) => (
    <Heading size={n.props.size || 'medium'} as={/^h[1-6]$/.test(n.props.as) ? n.props.as : undefined}>
      {r.kids(n)}
    </Heading>
  ),
  Button: (n, r) => (
    <Button
      {...pick(n.props, ['appearance', 'isDisabled', 'isSelected', 'spacing', 'shouldFitContainer', 'testId'])}
      iconBefore={buttonIcon(n.props.iconBefore)}
      iconAfter={buttonIcon(n.props.iconAfter)}
      type={n.props.type === 'submit' ? 'submit' : 'button'}
      onClick={click(n.props, r)}
    >
      {r.kids(n)}
    </Button>
  ),
  LoadingButton: (n, r) => (
    <LoadingButton
      {...pick(n.props, ['appearance', 'isDisabled', 'isLoading', 'spacing'])}
      type={n.props.type === 'submit' ? 'submit' : 'button'}
      onClick={click(n.props, r)}
    >
      {r.kids(n)}
    </LoadingButton>
  ),
  LinkButton: (n, r) => (
    <LinkButton href={n.props.href} target="_blank" rel="noopener noreferrer" appearance={n.props.appearance}>
      {r.kids(n)}
    </LinkButton>
  ),
  ButtonGroup: (n, r) => <ButtonGroup label={n.props.label}>{r.kids(n)}</ButtonGroup>,
  Form: (n, r) => {
    const submit = r.fn(n.props.onSubmit);
    return (
      <form
        noValidate
        id={n.props.id}
        onSubmit={(e) => {
          e.preventDefault();
          if (submit) submit();
        }}
      >
        {r.kids(n)}
      </form>
    );
  },
  FormHeader: (n, r) => <FormHeader title={n.props.title}>{r.kids(n)}</FormHeader>,
  FormSection: (n, r) => <FormSection title={n.props.title}>{r.kids(n)}</FormSection>,
  FormFooter: (n, r) => <FormFooter align={n.props.align}>{r.kids(n)}</FormFooter>,
  Label: (n, r) => <Label htmlFor={n.props.labelFor}>{r.kids(n)}</Label>,
  ErrorMessage: (n, r) => <ErrorMessage>{r.kids(n)}</ErrorMessage>,
  HelperMessage: (n, r) => <HelperMessage>{r.kids(n)}</HelperMessage>,
  ValidMessage: (n, r) => <ValidMessage>{r.kids(n)}</ValidMessage>,
  RequiredAsterisk: () => <RequiredAsterisk />,
  Textfield: (n, r) => <Textfield {...fieldProps(n.props)} defaultValue={n.props.defaultValue} value={n.props.value} {...fieldEvents(n.props, r)} />,
  TextArea: (n, r) => (
    <TextArea
      {...fieldProps(n.props)}
      resize={n.props.resize}
      defaultValue={n.props.defaultValue}
      value={n.props.value}
      {...fieldEvents(n.props, r)}
    />
  ),
  Select: (n, r) => {
    const f = r.fn(n.props.onChange);
    return (
      <Select
        inputId={n.props.id || n.props.inputId}
        name={n.props.name}
        options={Array.isArray(n.props.options) ? n.props.options : []}
        isMulti={!!n.props.isMulti}
        isClearable={!!n.props.isClearable}
        isSearchable={n.props.isSearchable !== false}
        isDisabled={!!n.props.isDisabled}
        isInvalid={!!n.props.isInvalid}
        placeholder={n.props.placeholder}
        defaultValue={n.props.defaultValue}
        value={n.props.value}
        onChange={f ? (v) => f(v ?? null) : undefined}
        onBlur={r.fn(n.props.onBlur) ? () => r.fn(n.props.onBlur)() : undefined}
      />
    );
  },
  Checkbox: (n, r) => (
    <Checkbox
      {...pick(n.props, ['id', 'name', 'value', 'label', 'isDisabled', 'isInvalid', 'isRequired', 'isChecked', 'defaultChecked', 'isIndeterminate'])}
      {...fieldEvents(n.props, r)}
    />
  ),
  Radio: (n, r) => (
    <Radio {...pick(n.props, ['id', 'name', 'value', 'label', 'isDisabled', 'isInvalid', 'isRequired', 'isChecked'])} {...fieldEvents(n.props, r)} />
  ),
  RadioGroup: (n, r) => (
    <RadioGroup
      {...pick(n.props, ['name', 'options', 'isDisabled', 'isInvalid', 'isRequired', 'value', 'defaultValue'])}
      options={Array.isArray(n.props.options) ? n.props.options : []}
      {...fieldEvents(n.props, r)}
    />
  ),
  Toggle: (n, r) => (
    <Toggle
      {...pick(n.props, ['id', 'name', 'value', 'label', 'isDisabled', 'isChecked', 'defaultChecked', 'size'])}
      {...fieldEvents(n.props, r)}
    />
  ),
  DatePicker: (n, r) => {
    const f = r.fn(n.props.onChange);
    return (
      <DatePicker
        {...pick(n.props, ['id', 'name', 'defaultValue', 'value', 'isDisabled', 'isInvalid', 'isRequired', 'placeholder', 'dateFormat', 'minDate', 'maxDate'])}
        onChange={f ? (v) => f(v) : undefined}
      />
    );
  },
  TimePicker: (n, r) => {
    const f = r.fn(n.props.onChange);
    return (
      <TimePicker
        {...pick(n.props, ['id', 'name', 'defaultValue', 'value', 'isDisabled', 'isInvalid', 'placeholder', 'times', 'timeFormat'])}
        onChange={f ? (v) => f(v) : undefined}
      />
    );
  },
  DynamicTable: dynamicTable,
  Lozenge: (n, r) => <Lozenge {...pick(n.props, ['appearance', 'isBold', 'maxWidth'])}>{r.kids(n)}</Lozenge>,
  Badge: (n, r) => <Badge {...pick(n.props, ['appearance', 'max'])}>{r.kids(n)}</Badge>,
  Tag: (n, r) => <Tag text={n.props.text ?? textOf(n, r)} color={n.props.color} href={n.props.href} />,
  TagGroup: (n, r) => <TagGroup alignment={n.props.alignment}>{r.kids(n)}</TagGroup>,
  SectionMessage: (n, r) => (
    <SectionMessage title={n.props.title} appearance={n.props.appearance}>
      {r.kids(n)}
    </SectionMessage>
  ),
  SectionMessageAction: (n, r) => (
    <SectionMessageAction href={n.props.href} onClick={click(n.props, r)}>
      {r.kids(n)}
    </SectionMessageAction>
  ),
  Inline: (n, r) => (
    <Inline {...pick(n.props, ['space', 'rowSpace', 'alignBlock', 'alignInline', 'spread', 'grow', 'shouldWrap', 'separator'])}>{r.kids(n)}</Inline>
  ),
  Stack: (n, r) => <Stack {...pick(n.props, ['space', 'alignBlock', 'alignInline', 'spread', 'grow'])}>{r.kids(n)}</Stack>,
  Box: (n, r) => (
    <Box
      as={BOX_ELEMENTS.has(n.props.as) ? n.props.as : undefined}
      {...pick(n.props, ['padding', 'paddingBlock', 'paddingBlockStart', 'paddingBlockEnd', 'paddingInline', 'paddingInlineStart', 'paddingInlineEnd', 'backgroundColor', 'role', 'testId'])} style={xcssOf(n)}>
      {r.kids(n)}
    </Box>
  ),
  Bleed: (n, r) => <Bleed {...pick(n.props, ['all', 'inline', 'block'])}>{r.kids(n)}</Bleed>,
  Pressable: (n, r) => (
    <Pressable
      {...pick(n.props, ['padding', 'paddingBlock', 'paddingInline', 'backgroundColor', 'testId'])}
      onClick={click(n.props, r)}
      isDisabled={!!n.props.isDisabled}
      style={xcssOf(n)}
    >
      {r.kids(n)}
    </Pressable>
  ),
  Link: (n, r) => (
    <Link href={n.props.href} target={n.props.openNewTab ? '_blank' : undefined} rel="noopener noreferrer">
      {r.kids(n)}
    </Link>
  ),
  Image: (n) => (
    <img
      src={n.props.src}
      alt={typeof n.props.alt === 'string' ? n.props.alt : ''}
      width={typeof n.props.width === 'number' ? n.props.width : undefined}
      height={typeof n.props.height === 'number' ? n.props.height : undefined}
      referrerPolicy="no-referrer"
      style={{ maxWidth: '100%' }}
    />
  ),
  List: (n, r) => (n.props.type === 'ordered' ? <ol>{r.kids(n)}</ol> : <ul>{r.kids(n)}</ul>),
  ListItem: (n, r) => <li>{r.kids(n)}</li>,
  Modal: (n, r) => {
    const close = r.fn(n.props.onClose);
    return (
      <Modal onClose={close ? () => close() : undefined} width={n.props.width} shouldScrollInViewport>
        {r.kids(n)}
      </Modal>
    );
  },
  ModalTransition: (n, r) => <ModalTransition>{r.kids(n)}</ModalTransition>,
  ModalHeader: (n, r) => <ModalHeader>{r.kids(n)}</ModalHeader>,
  ModalTitle: (n, r) => <ModalTitle appearance={n.props.appearance}>{r.kids(n)}</ModalTitle>,
  ModalBody: (n, r) => <ModalBody>{r.kids(n)}</ModalBody>,
  ModalFooter: (n, r) => <ModalFooter>{r.kids(n)}</ModalFooter>,
  Tabs: (n, r) => {
    const f = r.fn(n.props.onChange);
    return (
      <Tabs id={n.props.id || n.key} onChange={f ? (i) => f(i) : undefined} selected={n.props.selected} defaultSelected={n.props.defaultSelected}>
        {r.kids(n)}
      </Tabs>
    );
  },
  TabList: (n, r) => <TabList>{r.kids(n)}</TabList>,
  Tab: (n, r) => <Tab>{r.kids(n)}</Tab>,
  TabPanel: (n, r) => <TabPanel>{r.kids(n)}</TabPanel>,
  Spinner: (n) => <Spinner size={n.props.size} label={n.props.label} />,
  ProgressBar: (n) => (
    <ProgressBar
      value={typeof n.props.value === 'number' ? n.props.value : 0}
      isIndeterminate={!!n.props.isIndeterminate}
      appearance={n.props.appearance}
      ariaLabel={n.props.ariaLabel}
    />
  ),
  User: (n, r) => <UserView accountId={String(n.props.accountId ?? '')} r={r} />,
  UserGroup: (n, r) => (
    <AvatarGroup
      appearance="stack"
      data={n.children.filter((c) => c.type === 'User').map((c) => ({ key: String(c.props.accountId), name: String(c.props.accountId) }))}
    />
  ),
  UserPicker: (n, r) => <UserPickerField n={n} r={r} />,
  AdfRenderer: (n) => <AdfDocument doc={n.props.document} />,
  ...OVERLAY_ROWS,
  ...NAVIGATION_ROWS,
  ...COMMENT_ROWS,
  ...CHART_ROWS,
  ...MORE_ROWS,
  ...GLYPH_ROWS,
  ...FILE_ROWS,
  Frame: frameRow,
};

// The component names UI Kit apps use that kiln promises to render (issue 19's list):
// tests/ui/uikit.test.mjs fails when one of them has no row above.
export const PROMISED = [
  'Text', 'Heading', 'Button', 'ButtonGroup', 'Form', 'FormHeader', 'FormSection', 'FormFooter', 'Label',
  'ErrorMessage', 'HelperMessage', 'RequiredAsterisk', 'Textfield', 'TextArea', 'Select', 'Checkbox', 'Radio',
  'RadioGroup', 'Toggle', 'DatePicker', 'DynamicTable', 'Lozenge', 'Badge', 'Tag', 'TagGroup', 'SectionMessage',
  'Inline', 'Stack', 'Box', 'Link', 'Image', 'Modal', 'ModalHeader', 'ModalBody', 'ModalFooter', 'ModalTitle',
  'Tabs', 'Tab', 'TabList', 'TabPanel', 'Spinner', 'ProgressBar', 'User', 'UserGroup', 'UserPicker', 'AdfRenderer',
  ...CHART_TYPES, 'Calendar', 'Popup', 'InlineEdit', 'Comment', 'CommentEditor', 'ChromelessEditor', 'CodeBlock',
  'Tooltip', 'Pagination', 'Breadcrumbs', 'BreadcrumbsItem', 'CheckboxGroup', 'Range', 'ProgressTracker', 'EmptyState', 'Tile',
  ...GLYPH_TYPES, 'FileCard', 'FilePicker', 'Frame',
];

export const placeholder = placeholderBox;
