import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';

// One real headless browser (Debian's chromium, driven by playwright-core) for the tests that check
// an HTML page harc writes. Offline and quiet: no first-run, sync, component updates or QUIC, and a
// throwaway profile, so a run neither needs nor touches the network or the user's browser.

export const CHROMIUM = process.env.HARC_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails (never skips) when the browser is absent: the setup script installs it. */
export function requireChromium(path = CHROMIUM): string {
  if (!existsSync(path)) throw new Error(`chromium not found at ${path}: run \`bash scripts/setup-toolchains.sh\` (it installs Debian's chromium), or set HARC_CHROMIUM`);
  return path;
}

export interface HeadlessBrowser {
  browser: Browser;
  close: () => Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
  // launch() gives the browser a fresh temporary profile of its own and removes it on close
  const browser = await chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS });
  return { browser, close: () => browser.close() };
}

/** Console errors, page errors and requests that left the page (a self-contained page makes none). */
export function watchPage(page: Page): { errors: string[]; requests: string[] } {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && !r.url().startsWith('about:')) requests.push(r.url());
  });
  return { errors, requests };
}

/** Distinct RGB(A) colours of a non-interlaced 8-bit RGB/RGBA PNG (what Chromium writes): enough
 * to tell a drawn page from a blank one without an image library. */
export function pngDistinctColours(png: Buffer): number {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colour = data[9]!;
      if (depth !== 8 || (colour !== 2 && colour !== 6) || data[12] !== 0) throw new Error(`PNG kind not handled (bit depth ${depth}, colour type ${colour}, interlace ${data[12]})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  const colours = new Set<number>();
  for (let y = 0; y < height; y++) {
    const base = y * (stride + 1);
    const filter = raw[base]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[base + 1 + i]!;
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      cur[i] = v & 0xff;
    }
    for (let i = 0; i < stride; i += channels) colours.add((cur[i]! << 16) | (cur[i + 1]! << 8) | cur[i + 2]!);
    cur.copy(prev);
  }
  return colours.size;
}

/** A PNG of the page once it has painted. Headless chromium under load can answer
 * Page.captureScreenshot with "Unable to capture screenshot" when no frame is ready yet (seen on a
 * blank page while the machine was busy): wait for two animation frames first, and retry that one
 * protocol error a few times after more frames. Any other error, or a page that never paints, fails. */
export async function screenshotPainted(page: Page, opts: { fullPage?: boolean } = {}): Promise<Buffer> {
  // the page's own requestAnimationFrame (this file is typed without the DOM library)
  const frames = () => page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))');
  for (let attempt = 1; ; attempt++) {
    await frames();
    try {
      return await page.screenshot(opts);
    } catch (e) {
      if (attempt >= 3 || !String(e).includes('Unable to capture screenshot')) throw e;
    }
  }
}
