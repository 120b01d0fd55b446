/**
 * Debian's Chromium driven by playwright-core, for every browser test (nn's page test, the docs'
 * playground): /usr/bin/chromium (or AD_CHROMIUM), headless, a throw-away profile, nothing that
 * reaches the network. The root test script installs Chromium when missing
 * (scripts/ensure-chromium.mjs); without it the tests fail and say how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.AD_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests: no Chromium at ${CHROMIUM}. Run \`node scripts/ensure-chromium.mjs\` (as root on Debian it installs it), ` +
        '`sudo apt-get install -y chromium`, or set AD_CHROMIUM.',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'ad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
