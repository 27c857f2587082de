import type { CredentialSet } from './platform';

/** The set whose required fields are all present and which allows every key given (user or Crier). */
export function matchCredentialSet(
  sets: readonly CredentialSet[],
  keys: readonly string[],
  by: 'user' | 'stored',
): CredentialSet | undefined {
  return sets.find((set) => {
    const allowed = new Set([...set.fields, ...(set.optional ?? []), ...(by === 'stored' ? (set.managed ?? []) : [])]);
    return set.fields.every((f) => keys.includes(f)) && keys.every((k) => allowed.has(k));
  });
}

/** Fields missing from the set that is closest to being complete, for an error message. */
export function missingFields(sets: readonly CredentialSet[], keys: readonly string[]): string[] {
  const gaps = sets.map((set) => set.fields.filter((f) => !keys.includes(f)));
  return gaps.sort((a, b) => a.length - b.length)[0] ?? [];
}
