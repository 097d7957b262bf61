// Lint rules: typescript-eslint's recommended set over src, test, scripts and bench.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'client/dist/**', 'node_modules/**', 'public/vendor/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['client/scripts/**/*.mjs', 'scripts/**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { process: 'readonly' } },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', WebSocket: 'readonly', io: 'readonly', fetch: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', localStorage: 'readonly', location: 'readonly' } },
  },
  {
    // The operator console is ES modules.
    files: ['public/admin/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { sessionStorage: 'readonly', AbortController: 'readonly', TextDecoder: 'readonly', URLSearchParams: 'readonly', CSS: 'readonly', Node: 'readonly' } },
  },
);
