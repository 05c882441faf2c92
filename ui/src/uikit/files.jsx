// The UI Kit file rows: FileCard and FilePicker (@forge/react 11, Forge's Object Store
// components). Forge's host draws them with its own components built from the design
// system (forge-ui's UIKit/filecard and UIKit/filepicker, which are not on npm); kiln
// builds them from the same parts: @atlaskit/primitives, button, progress-bar, form's
// Label/HelperMessage/ErrorMessage and @atlaskit/icon's core file/upload/download/delete
// icons.
//
// FileCard {fileName, fileSize?, fileType?, isUploading?, uploadProgress? (0–1), error?,
// onDelete?, onDownload?}: text and numbers only; a button per event the app set.
// FilePicker {label?, description?, onChange?}: the user picks files (the browse button or
// a drop on the zone); onChange gets [{name, size, type, data}], `data` the file's bytes
// in base64, as @atlaskit/forge-react-types' SerializedFile (plain base64, no data: URL
// prefix: what @forge/bridge's object-store upload, behind useObjectStore, atob()s). The files are read here, in
// the host, and posted to the app's frame on its channel.
// Limits: at most FILES_MAX files and FILES_BYTES_MAX bytes in all per pick (the channel
// carries at most 1 MiB a message; base64 adds a third): a larger pick posts nothing and
// says why under the picker.

import React, { useRef, useState } from 'react';
import Button, { IconButton } from '@atlaskit/button/new';
import ProgressBar from '@atlaskit/progress-bar';
import { Box, Inline, Stack, Text } from '@atlaskit/primitives';
import { ErrorMessage, HelperMessage, Label } from '@atlaskit/form';
import FileIconModule from '@atlaskit/icon/core/file';
import UploadIconModule from '@atlaskit/icon/core/upload';
import DownloadIconModule from '@atlaskit/icon/core/download';
import DeleteIconModule from '@atlaskit/icon/core/delete';
import { num, str } from './props.js';

// CommonJS icons imported from a "type": "module" package (see glyph-table.js)
const cjsDefault = (m) => (m && typeof m === 'object' && m.default ? m.default : m);
const FileIcon = cjsDefault(FileIconModule);
const UploadIcon = cjsDefault(UploadIconModule);
const DownloadIcon = cjsDefault(DownloadIconModule);
const DeleteIcon = cjsDefault(DeleteIconModule);

export const FILES_MAX = 10;
export const FILES_BYTES_MAX = 512 * 1024;

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
export function fileSize(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

const cap = (v, n) => (typeof v === 'string' ? v.slice(0, n) : undefined);

function FileCard({ n, r }) {
  const p = n.props;
  const onDelete = r.fn(p.onDelete);
  const onDownload = r.fn(p.onDownload);
  const name = cap(p.fileName, 500) ?? '';
  const meta = [cap(p.fileType, 200), fileSize(num(p.fileSize))].filter(Boolean).join(' · ');
  const progress = num(p.uploadProgress);
  const error = cap(p.error, 1000);
  return (
    <div
      data-kiln-file-card={name}
      data-testid={str(p.testId)}
      style={{ border: '1px solid var(--ds-border, #091e4224)', borderRadius: 4, padding: 8 }}
    >
      <Inline space="space.100" alignBlock="center" spread="space-between">
        <Inline space="space.100" alignBlock="center">
          <FileIcon label="" />
          <Stack space="space.025">
            <Text weight="medium">{name}</Text>
            {meta ? (
              <Text size="small" color="color.text.subtle">
                {meta}
              </Text>
            ) : null}
          </Stack>
        </Inline>
        <Inline space="space.050">
          {onDownload ? <IconButton icon={DownloadIcon} label={`Download ${name}`} appearance="subtle" onClick={() => onDownload()} /> : null}
          {onDelete ? <IconButton icon={DeleteIcon} label={`Delete ${name}`} appearance="subtle" onClick={() => onDelete()} /> : null}
        </Inline>
      </Inline>
      {p.isUploading === true ? (
        <Box paddingBlockStart="space.100">
          <ProgressBar
            ariaLabel={`Uploading ${name}`}
            value={progress === undefined ? undefined : Math.max(0, Math.min(1, progress))}
            isIndeterminate={progress === undefined}
          />
        </Box>
      ) : null}
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
    </div>
  );
}

// base64 of an ArrayBuffer, in slices (String.fromCharCode takes a bounded argument list)
function base64(buf) {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}

function FilePicker({ n, r }) {
  const p = n.props;
  const onChange = r.fn(p.onChange);
  const input = useRef(null);
  const [error, setError] = useState(null);
  const [over, setOver] = useState(false);
  const id = useRef(`kiln-filepicker-${Math.random().toString(36).slice(2)}`).current;
  const take = async (list) => {
    const files = Array.from(list || []);
    if (!files.length) return;
    const total = files.reduce((s, f) => s + f.size, 0);
    if (files.length > FILES_MAX) return setError(`Pick at most ${FILES_MAX} files at once.`);
    if (total > FILES_BYTES_MAX) return setError(`The files are ${fileSize(total)}; at most ${fileSize(FILES_BYTES_MAX)} can be picked at once.`);
    setError(null);
    try {
      const out = await Promise.all(
        files.map(async (f) => ({ name: f.name, size: f.size, type: f.type, data: base64(await f.arrayBuffer()) })),
      );
      if (onChange) onChange(out);
    } catch {
      setError('The files could not be read.');
    }
  };
  return (
    <Stack space="space.050" testId={str(p.testId)}>
      {p.label ? <Label htmlFor={id}>{cap(p.label, 500)}</Label> : null}
      <div
        data-kiln-file-picker=""
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          take(e.dataTransfer && e.dataTransfer.files);
        }}
        style={{
          border: `2px dashed ${over ? 'var(--ds-border-focused, #388bff)' : 'var(--ds-border, #091e4224)'}`,
          borderRadius: 4,
          padding: 16,
          textAlign: 'center',
        }}
      >
        <Stack space="space.100" alignInline="center">
          <UploadIcon label="" />
          <Text>Drag and drop files here, or</Text>
          <Button onClick={() => input.current && input.current.click()}>Browse files</Button>
        </Stack>
        <input
          id={id}
          ref={input}
          type="file"
          multiple
          style={{ display: 'none' }}
          onChange={(e) => {
            take(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {p.description ? <HelperMessage>{cap(p.description, 1000)}</HelperMessage> : null}
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
    </Stack>
  );
}

export const FILE_ROWS = {
  FileCard: (n, r) => <FileCard n={n} r={r} />,
  FilePicker: (n, r) => <FilePicker n={n} r={r} />,
};
