import { join, relative, sep } from 'node:path';
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';

// Imports flow cli → backends → passes → ir (frontends sit beside passes: cli → frontends → ir),
// never back. The IR knows nothing of passes, backends or the CLI.
const LAYERS = ['ir', 'passes', 'frontends', 'backends', 'cli'] as const;
const MAY_IMPORT: Record<(typeof LAYERS)[number], string[]> = {
  ir: ['ir'],
  passes: ['passes', 'ir'],
  frontends: ['frontends', 'ir'],
  backends: ['backends', 'passes', 'ir'],
  cli: ['cli', 'backends', 'passes', 'frontends', 'ir'],
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
