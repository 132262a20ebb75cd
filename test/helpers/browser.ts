import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's chromium, driven by playwright-core (nothing is downloaded). */
export const CHROMIUM = process.env.PENG_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false when they can. */
export function browserMissing(): string | false {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install chromium)`;
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // --no-sandbox: chromium refuses to start its sandbox as root (CI and this lab run as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
