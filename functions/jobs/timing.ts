/**
 * @module Phase times on stderr when TRAILPROOF_TIMING is set, for benchmarks and diagnosis.
 * Times count from when the job modules were loaded (the start of a CLI run).
 */
const started = performance.now();

/** Prints `[timing] label: N ms` (milliseconds since start) when TRAILPROOF_TIMING is set. */
function timing(label: string): void {
  if (process.env.TRAILPROOF_TIMING)
    process.stderr.write(`[timing] ${label}: ${Math.round(performance.now() - started)} ms\n`);
}

export { timing };
