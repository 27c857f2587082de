import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  hasInstallScript?: boolean;
}

/**
 * What `npm ci` runs at install time is decided in package.json (README, "Install scripts"): Scarf's telemetry
 * (a dependency of swagger-ui-dist) is replaced by an empty local package, and every other install script is
 * either allowed or denied by name in `allowScripts`, so a new one fails here until someone decides about it.
 */
describe('supply chain: install scripts in package-lock.json', () => {
  const lock = json('package-lock.json') as { packages: Record<string, LockEntry> };
  const pkg = json('package.json') as { allowScripts?: Record<string, boolean>; overrides?: Record<string, string> };
  const nameOf = (key: string, entry: LockEntry) => entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 13);

  it('has no @scarf/scarf from the registry: every copy is the local stub, without scripts', () => {
    const scarf = Object.entries(lock.packages).filter(([key, e]) => nameOf(key, e) === '@scarf/scarf');
    expect(scarf.length).toBeGreaterThan(0);
    for (const [key, entry] of scarf) {
      expect({ key, hasInstallScript: entry.hasInstallScript ?? false }).toEqual({ key, hasInstallScript: false });
      if (key.includes('node_modules/')) expect(entry).toMatchObject({ resolved: 'scripts/stubs/scarf', link: true });
    }
    const stub = json('scripts/stubs/scarf/package.json') as { name: string; scripts?: unknown; main?: unknown };
    expect(stub).toMatchObject({ name: '@scarf/scarf' });
    expect(stub.scripts).toBeUndefined();
    expect(pkg.overrides?.['@scarf/scarf']).toBe('$@scarf/scarf');
  });

  it('records a decision (allowed or denied) for every package that has an install script', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, e]) => e.hasInstallScript)
      .map(([key, e]) => nameOf(key, e));
    const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(?<=.)@.*$/, '')));
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });
});
