import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CRIER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Debian Chromium driven by playwright-core (no browser download: .ci/run installs the `chromium`
 * package). The flags keep it off the network it would otherwise try to reach at start (updates, sync, QUIC
 * probes), where on a closed network it waits on connections. Playwright gives every launch a fresh
 * --user-data-dir of its own, removed on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** How long a browser test waits for the page to show a change (the live refresh, a worker publishing). */
export const UI_TIMEOUT = 30_000;

/**
 * Where the dashboard tests put their screenshots: `CRIER_DASHBOARD_SCREENSHOTS=docs/dashboard` keeps them for the
 * README; otherwise a temporary directory (still taken, so that path is exercised).
 */
export function screenshotDir(): string {
  const dir = process.env.CRIER_DASHBOARD_SCREENSHOTS
    ? path.resolve(process.env.CRIER_DASHBOARD_SCREENSHOTS)
    : mkdtempSync(path.join(tmpdir(), 'crier-dashboard-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}
