import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/** Repository root (templates/ and toolchain/ live there). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const hb = Handlebars.create();
hb.registerHelper('join', (xs: unknown[], sep: unknown) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : ', ') : ''));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('upper', (s: unknown) => String(s).toUpperCase());
const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name>.hbs; C is never escaped. */
export function render(name: string, context: object): string {
  let t = cache.get(name);
  if (!t) {
    t = hb.compile(readFileSync(join(repoRoot, 'templates', `${name}.hbs`), 'utf8'), { noEscape: true, strict: true });
    cache.set(name, t);
  }
  return t(context);
}
