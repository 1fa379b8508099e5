// ESLint (issue 18): what a reviewer would otherwise have to catch by eye. Type-aware where it
// matters (floating promises), and the house rules no compiler checks: tests cannot be switched
// off in silence, simulators stay independent witnesses of the vendor documents.
import tseslint from 'typescript-eslint';
import skipNeedsReason from './eslint/skip-needs-reason.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.backup-runner/', 'coverage/', 'test-artifacts/', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, local: { rules: { 'skip-needs-reason': skipNeedsReason } } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its error: a backup step that fails silently.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // `any` switches the type checker off; where it is truly needed, a disable comment says why.
      '@typescript-eslint/no-explicit-any': 'error',
      'local/skip-needs-reason': 'error',
    },
  },
  {
    // Simulators are witnesses written from the vendors' documents: sharing the driver's code would
    // share its assumptions, and a test could no longer catch them.
    files: ['simulators/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/lambdas', '**/lambdas/**', '**/cli/**', '**/infra/**'], message: 'simulators/ may not import the product (lambdas/, cli/, infra/): write the behaviour from the vendor document' }] },
      ],
    },
  },
);
