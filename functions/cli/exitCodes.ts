/**
 * @module Exit codes of the CLI; scripts and schedulers depend on them.
 */
const ExitCode = {
  /** The run finished; some records may have been rejected (see analysis.json `input`). */
  Ok: 0,
  /** Nothing usable could be read: no accepted event in any input. */
  NoUsableInput: 1,
  /** The tenant config, a period or another argument is invalid. */
  InvalidInput: 2,
  /** Analysis succeeded but a report artifact could not be produced (e.g. Chromium failed). */
  OutputFailed: 3,
  /** `verify`: an artifact changed, is missing or extra, the signature is invalid, or there is no valid manifest. */
  VerificationFailed: 4,
} as const;

export { ExitCode };
