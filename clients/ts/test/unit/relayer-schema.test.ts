import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { READING_KINDS, TRENDS, UNITS } from '../../src/index.js';

// src/relayer-types.ts uses encoding.ts's ReadingKind, Unit and Trend for the relayer's JSON
// (scripts/codegen.mjs): they must be the very strings the relayer's schema allows.
const schema = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../../../schema/relayer-api.json'), 'utf8'),
) as { components: { schemas: Record<string, unknown> } };

/** The strings a schemars enum allows (`enum`, or `oneOf` of one-value enums). */
function values(name: string): string[] {
  const s = schema.components.schemas[name] as { enum?: string[]; oneOf?: { enum?: string[] }[] };
  const all = s.enum ?? (s.oneOf ?? []).flatMap((o) => o.enum ?? []);
  return [...all].sort();
}

describe('relayer schema', () => {
  it('spells reading kinds, units and trends as encoding.ts does', () => {
    expect(values('ReadingKind')).toEqual(Object.keys(READING_KINDS).sort());
    expect(values('Unit')).toEqual(Object.keys(UNITS).sort());
    expect(values('Trend')).toEqual(Object.keys(TRENDS).sort());
  });
});
