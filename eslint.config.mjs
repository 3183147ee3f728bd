import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'coverage/', 'lib/', 'nodes/*.js', '.demo/', '.e2e/', '.compat/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A node file is `export = register`; its definition types ride on a declared namespace.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ignores: ['resources/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Editor scripts run in the browser, next to Node-RED's editor globals.
    files: ['resources/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, ...globals.jquery, RED: 'readonly' },
    },
  },
  prettier,
);
