// Lint focused on what can hurt users: regular expressions that backtrack super-linearly on
// hostile captures (eslint-plugin-regexp), plus TypeScript's recommended checks.
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/data/**'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    extends: [tseslint.configs.base],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      'regexp/no-misleading-capturing-group': 'error',
      'regexp/no-dupe-disjunctions': 'error',
      'regexp/no-useless-quantifier': 'error',
      'regexp/no-empty-alternative': 'error',
      'regexp/no-invalid-regexp': 'error',
    },
  },
);
