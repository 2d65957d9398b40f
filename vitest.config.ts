import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Ceph radosgw (real S3) for the run, started in the background; see test/helpers/s3Server.ts.
    globalSetup: ['test/helpers/s3Server.ts'],
    // Browser and CLI tests spawn processes; keep parallelism modest on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // Report signing keys of test runs stay in the work tree, never in the user's ~/.config.
    // Handlers run in-process in some tests: Powertools' log lines and metric blobs stay quiet.
    env: {
      TRAILPROOF_SIGNING_KEY_DIR: '.tmp/test-signing-key',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
});
