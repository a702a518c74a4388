// Debian's Chromium for the browser tests: headless, sandbox off (CI runs as root), and
// no background networking (the machine has no outside network), on a phone-sized
// touch screen.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export function phoneContext(browser) {
  return browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 12; Haat test) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36',
  });
}
