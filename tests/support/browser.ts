import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The flags every browser test runs Chromium with on these machines (no network, no GPU). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export interface BrowserChoice {
  executablePath: string;
  /** Where it came from, for the test log: CHROMIUM_PATH, Debian's package, or the npm package. */
  source: 'CHROMIUM_PATH' | 'debian' | '@sparticuz/chromium';
  args: string[];
}

/**
 * Which Chromium the browser tests drive: `CHROMIUM_PATH` when set, else Debian's
 * `/usr/bin/chromium`, else the one that travels inside the `@sparticuz/chromium` npm tarball
 * (unpacked to the temp folder on first use), so a fresh machine needs no browser download.
 */
export async function chooseBrowser(
  env: NodeJS.ProcessEnv = process.env,
  debianPath = DEBIAN_CHROMIUM,
): Promise<BrowserChoice> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH names no file: ${env.CHROMIUM_PATH}`);
    return { executablePath: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH', args: FLAGS };
  }
  if (existsSync(debianPath)) return { executablePath: debianPath, source: 'debian', args: FLAGS };
  try {
    const { default: packaged } = await import('@sparticuz/chromium');
    return {
      executablePath: await packaged.executablePath(),
      source: '@sparticuz/chromium',
      // Its own flags are tuned for AWS Lambda (single process, no zygote); ours are enough here.
      args: FLAGS,
    };
  } catch (error) {
    throw new Error(
      `No Chromium for the browser tests: install Debian's (apt-get install chromium) or set CHROMIUM_PATH; the @sparticuz/chromium fallback failed too (${(error as Error).message}).`,
    );
  }
}

export async function launchBrowser(): Promise<{ browser: Browser; choice: BrowserChoice }> {
  const choice = await chooseBrowser();
  const browser = await chromium.launch({ executablePath: choice.executablePath, args: choice.args });
  return { browser, choice };
}
