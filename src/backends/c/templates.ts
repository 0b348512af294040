import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';

/** Repository root (templates/ and toolchain/ live there). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const require = createRequire(import.meta.url);
type Engine = typeof Handlebars;
/** Compile options; scripts/build.mjs precompiles with the same ones. */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: true } as const;

/** Templates precompiled by the build (dist/ only; its stamp covers templates/, so never stale):
 * parsing and compiling them at every start took a quarter of a float compile. */
const PRECOMPILED_FILE = join(dirname(fileURLToPath(import.meta.url)), 'templates.precompiled.cjs');
const precompiled: Record<string, Parameters<Engine["template"]>[0]> | undefined = existsSync(PRECOMPILED_FILE) ? require(PRECOMPILED_FILE) : undefined;

function withHelpers(hb: Engine): Engine {
  hb.registerHelper('join', (xs: unknown[], sep: unknown) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : ', ') : ''));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('upper', (s: unknown) => String(s).toUpperCase());
  return hb;
}
let runtime: Engine | undefined;
let compiler: Engine | undefined;
const engine = (withCompiler: boolean): Engine =>
  withCompiler
    ? (compiler ??= withHelpers((require('handlebars') as Engine).create()))
    : (runtime ??= withHelpers((require('handlebars/runtime') as Engine).create()));

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name>.hbs; C is never escaped. */
export function render(name: string, context: object): string {
  let t = cache.get(name);
  if (!t) {
    const spec = precompiled?.[name];
    t = spec
      ? engine(false).template(spec)
      : engine(true).compile(readFileSync(join(repoRoot, 'templates', `${name}.hbs`), 'utf8'), TEMPLATE_OPTIONS);
    cache.set(name, t);
  }
  return t(context);
}
