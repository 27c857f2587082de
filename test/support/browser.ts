import { existsSync } from 'node:fs';
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
