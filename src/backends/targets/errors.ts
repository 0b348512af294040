/** Typed errors of the target backends. The CLI maps ToolMissingError to exit code 3. */

export const SETUP_COMMAND = 'bash scripts/setup-toolchains.sh';

export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';
  readonly exitCode = 3;
  constructor(
    readonly tool: string,
    readonly debianPackages: readonly string[],
    readonly purpose: string,
  ) {
    super(
      `required tool '${tool}' (${purpose}) was not found. ` +
        `Install it with: ${SETUP_COMMAND}` +
        (debianPackages.length > 0
          ? `  (or: sudo apt-get install -y ${debianPackages.join(' ')})`
          : ''),
    );
  }
  get installCommand(): string {
    return this.debianPackages.length > 0
      ? `apt-get install -y ${this.debianPackages.join(' ')}`
      : SETUP_COMMAND;
  }
}

export class FirmwareBuildError extends Error {
  override readonly name = 'FirmwareBuildError';
  constructor(
    message: string,
    readonly command: string,
    readonly output: string,
  ) {
    super(`${message}\n$ ${command}\n${output}`);
  }
}

export class FirmwareRunError extends Error {
  override readonly name = 'FirmwareRunError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly output: string,
  ) {
    super(output ? `${message}\n${output}` : message);
  }
}
