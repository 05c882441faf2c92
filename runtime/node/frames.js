'use strict';
// Newline-delimited JSON framing on raw file descriptors (see README.md in this folder).
//
// Input (fd 3): read through a non-blocking handle (net.Socket for pipes and sockets, an
// fs stream otherwise) and split on '\n' at the byte level, so a multi-byte UTF-8
// character split across two reads is decoded whole.
//
// Output (fd 4): written synchronously with fs.writeSync, so frames are never interleaved
// or reordered, a log frame is out before the code that follows it runs (even if that
// code then kills the process), and nothing is left in a user-space buffer at exit.

const fs = require('node:fs');
const net = require('node:net');

/** Refuse an input line longer than this (kiln's frames are at most ~6 MB). */
const MAX_INPUT_LINE = 64 * 1024 * 1024;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Reads newline-delimited frames from fd. onLine(string) is called once per non-empty
 * line, in order; onClose(reason) once, when the descriptor reaches end of file, errors
 * or a line is too long.
 */
function readLines(fd, onLine, onClose) {
  const st = fs.fstatSync(fd); // throws EBADF when kiln did not give us the descriptor
  const stream =
    st.isFIFO() || st.isSocket()
      ? new net.Socket({ fd, readable: true, writable: false, allowHalfOpen: true })
      : fs.createReadStream(null, { fd, autoClose: false });

  let closed = false;
  const close = (reason) => {
    if (closed) return;
    closed = true;
    onClose(reason);
  };

  let parts = [];
  let pending = 0;
  stream.on('data', (chunk) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      let line = chunk.subarray(start, nl);
      if (parts.length) {
        parts.push(line);
        line = Buffer.concat(parts);
        parts = [];
        pending = 0;
      }
      start = nl + 1;
      if (line.length && !(line.length === 1 && line[0] === 13)) onLine(line.toString('utf8'));
      if (closed) return;
    }
    if (start < chunk.length) {
      const rest = Buffer.from(chunk.subarray(start)); // copy: do not pin the read buffer
      parts.push(rest);
      pending += rest.length;
      if (pending > MAX_INPUT_LINE) {
        stream.destroy();
        close(`an input frame is longer than ${MAX_INPUT_LINE} bytes`);
      }
    }
  });
  stream.on('end', () => close('end of input'));
  stream.on('close', () => close('input closed'));
  stream.on('error', (err) => close(`input error: ${err.message}`));
  return stream;
}

/**
 * Writes all of buf to fd, blocking. Retries EAGAIN (a non-blocking descriptor whose
 * reader is behind); any other error (EPIPE, EBADF: kiln is gone) is thrown.
 */
function writeAllSync(fd, buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
        sleepMs(1);
        continue;
      }
      if (err.code === 'EINTR') continue;
      throw err;
    }
  }
}

module.exports = { readLines, writeAllSync, MAX_INPUT_LINE };
