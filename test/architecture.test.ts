import { join, relative, sep } from 'node:path';
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';

// The layers follow the stages a model goes through: frontends → ir → passes → planning →
// backends (C) → targets → eval → sweep (many candidates, each compiled, run and measured), with the
// CLI on top. Imports only point back along that line (cli → sweep → eval → targets → backends →
// planning → passes → ir; frontends → ir), never forwards: the
// IR knows nothing of passes, planning, backends or the CLI.
const LAYERS = ['ir', 'frontends', 'passes', 'planning', 'backends', 'targets', 'eval', 'sweep', 'cli'] as const;
const MAY_IMPORT: Record<(typeof LAYERS)[number], string[]> = {
  ir: ['ir'],
  frontends: ['frontends', 'ir'],
  passes: ['passes', 'ir'],
  planning: ['planning', 'passes', 'ir'],
  backends: ['backends', 'planning', 'passes', 'ir'],
  targets: ['targets', 'backends', 'planning', 'passes', 'ir'],
  eval: ['eval', 'targets', 'backends', 'planning', 'passes', 'ir'],
  sweep: ['sweep', 'eval', 'targets', 'backends', 'planning', 'passes', 'frontends', 'ir'],
  cli: ['cli', 'sweep', 'eval', 'targets', 'backends', 'planning', 'passes', 'frontends', 'ir'],
};

describe('architecture', () => {
  it('imports only flow downwards between layers', () => {
    const root = join(import.meta.dirname, '..');
    const project = new Project({ skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: false } });
    project.addSourceFilesAtPaths(join(root, 'src', '**', '*.ts'));
    const layerOf = (file: string): string => relative(join(root, 'src'), file).split(sep)[0]!;
    const violations: string[] = [];
    const files = project.getSourceFiles();
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const from = layerOf(f.getFilePath()) as (typeof LAYERS)[number];
      for (const imp of [...f.getImportDeclarations(), ...f.getExportDeclarations()]) {
        const target = 'getModuleSpecifierSourceFile' in imp ? imp.getModuleSpecifierSourceFile() : undefined;
        if (!target || target.getFilePath().includes('node_modules')) continue;
        const to = layerOf(target.getFilePath());
        if (!MAY_IMPORT[from]?.includes(to)) violations.push(`${relative(root, f.getFilePath())} imports ${relative(root, target.getFilePath())} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
