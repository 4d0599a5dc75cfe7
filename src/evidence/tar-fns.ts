// The evidence bundle is a plain POSIX tar (ustar): `tar xf` opens it anywhere,
// and writing or reading one is a few dozen lines, so no dependency for it.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';

const BLOCK = 512;

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  field('breakglass', 265, 32);
  field('breakglass', 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  field(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

export type TarEntry = { name: string; file: string } | { name: string; data: Buffer };

/** A tar of the entries, streamed (files are read as they are reached). */
export function tarStream(entries: TarEntry[], mtime = new Date()): Readable {
  async function* blocks() {
    for (const e of entries) {
      if ('data' in e) {
        yield header(e.name, e.data.length, mtime);
        yield e.data;
        yield padding(e.data.length);
      } else {
        const size = statSync(e.file).size;
        yield header(e.name, size, mtime);
        for await (const chunk of createReadStream(e.file)) yield chunk as Buffer;
        yield padding(size);
      }
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  return Readable.from(blocks());
}

/** The regular files of a tar, by name. */
export function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const text = (o: number, l: number) =>
      h
        .subarray(o, o + l)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const prefix = text(345, 155);
    const name = (prefix ? prefix + '/' : '') + text(0, 100);
    const type = text(156, 1);
    if (!Number.isFinite(size) || at + BLOCK + size > tar.length) throw new Error('the bundle is not a complete tar archive');
    if (type === '0' || type === '') files.set(name, tar.subarray(at + BLOCK, at + BLOCK + size));
    at += BLOCK + size + padding(size).length;
  }
  throw new Error('the bundle is not a complete tar archive (it has no end)');
}
