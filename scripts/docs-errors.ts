// Regenerates docs/errors.md: runs every case of test/cli/bad-input-cases.ts through the real CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASES, errorsMarkdown, prepareWorkspace, repo, runCase } from '../test/cli/bad-input-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'harc-errors-'));
try {
  prepareWorkspace(dir);
  const rows = [];
  for (const c of CASES) {
    const r = await runCase(c, dir);
    if (r.code !== c.exit || !r.firstLine.includes(c.says)) console.error(`warning: '${c.what}': exit ${r.code}, '${r.firstLine}' (expected ${c.exit}, '${c.says}')`);
    for (const w of c.writes ?? []) rmSync(join(dir, w), { recursive: true, force: true });
    rows.push({ c, r });
  }
  writeFileSync(join(repo, 'docs', 'errors.md'), errorsMarkdown(rows));
  console.log(`wrote docs/errors.md (${rows.length} cases)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
