/**
 * A fast 64-bit hash (two 32-bit FNV-1a lanes with different seeds) for naming cache files whose
 * entries store their full key and check it on read: a collision costs a cache miss, never a
 * wrong answer. Not for anything an attacker could exploit a collision in (sha256.ts is for that).
 * In the interpreter it costs a few microseconds where sha256Hex costs 50 (the first `cd` after
 * an edit names one parse-cache entry per YAML file it reads).
 */
export function nameHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9dc5811c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000197);
  }
  // One more mixing round each, so short keys that differ in their last character spread.
  a = Math.imul(a ^ (a >>> 15), 0x85ebca6b) >>> 0;
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35) >>> 0;
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
