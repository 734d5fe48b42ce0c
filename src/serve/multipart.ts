import { AsrError } from '../util/errors.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  /** Present for file fields. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` content type, or null for another type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) throw new AsrError('multipart/form-data without a boundary');
  return m[1] ?? m[2];
}

function headerParam(header: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/**
 * Parses a whole multipart/form-data body (RFC 7578) held in memory: the caller bounds its size. Fails with one
 * line on a malformed body.
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) throw new AsrError('multipart body: boundary not found');
  for (;;) {
    pos += delim.length;
    // "--" after a delimiter closes the body
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else throw new AsrError('multipart body: malformed delimiter line');
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new AsrError('multipart body: part without a header end');
    const headers = body.subarray(pos, headEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw new AsrError('multipart body: part is not terminated (truncated upload?)');
    let name: string | undefined;
    let filename: string | undefined;
    let contentType: string | undefined;
    for (const h of headers) {
      const colon = h.indexOf(':');
      if (colon < 0) continue;
      const key = h.slice(0, colon).trim().toLowerCase();
      const value = h.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        name = headerParam(value, 'name');
        filename = headerParam(value, 'filename');
      } else if (key === 'content-type') contentType = value;
    }
    if (name === undefined) throw new AsrError('multipart body: part without a name');
    parts.push({ name, filename, contentType, data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}
