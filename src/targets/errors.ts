/** Typed errors of the target backends. The CLI maps ToolMissingError to exit code 3. */

/**
 * The hint names the Debian package(s) to apt-get, never a script of harc's repository: a user of the
 * npm package does not have scripts/. A tool harc knows no package for is named with its PATH lookup.
 */
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
        (debianPackages.length > 0
          ? `Install it with: sudo apt-get install -y ${debianPackages.join(' ')}`
          : 'Install it or put it on PATH'),
    );
  }
  /** The apt-get command, or undefined when no Debian package is known for the tool. */
  get installCommand(): string | undefined {
    return this.debianPackages.length > 0 ? `apt-get install -y ${this.debianPackages.join(' ')}` : undefined;
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
