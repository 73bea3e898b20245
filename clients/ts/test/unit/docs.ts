// Reads a fenced block of docs/encoding.md as `name: value` lines, as the Rust tests do.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOC = fileURLToPath(new URL('../../../../docs/encoding.md', import.meta.url));

export function documentedBlock(fence: string): [string, string][] {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.split('```' + fence + '\n')[1];
  if (start === undefined) throw new Error(`docs/encoding.md has no \`\`\`${fence} block`);
  const block = start.split('```')[0] ?? '';
  return block
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const at = l.indexOf(': ');
      if (at < 0) throw new Error(`vector line is not \`name: value\`: ${l}`);
      return [l.slice(0, at).trim(), l.slice(at + 2).trim()];
    });
}
