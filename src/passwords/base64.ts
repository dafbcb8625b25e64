/**
 * Strict base64 decoding for the encodings hash formats use: standard (with or
 * without `=` padding), PHC's unpadded standard alphabet, and passlib's "ab64"
 * (`.` instead of `+`). Returns null for anything else, so a malformed hash is
 * refused at import instead of silently decoding to other bytes.
 */
export type Base64Flavour = 'standard' | 'ab64';

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const AB64 = /^[A-Za-z0-9./]*={0,2}$/;

export function decodeBase64(text: string, flavour: Base64Flavour = 'standard'): Buffer | null {
  if (!(flavour === 'ab64' ? AB64 : STANDARD).test(text)) return null;
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  const padded = (flavour === 'ab64' ? body.replace(/\./g, '+') : body) + '='.repeat((4 - (body.length % 4)) % 4);
  const bytes = Buffer.from(padded, 'base64');
  // Reject non-canonical trailing bits: re-encoding must give the same text back.
  if (bytes.toString('base64').replace(/=+$/, '') !== padded.replace(/=+$/, '')) return null;
  return bytes;
}
