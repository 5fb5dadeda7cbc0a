// Lint rules. Type-aware rules are off: they need the TypeScript compiler API on every file and
// would slow the suite; `tsc --noEmit` (strict) already runs first in `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectronInEngine = {
  paths: [{ name: 'electron', message: 'The engine runs in plain Node (docs/architecture.md, Layers): no electron imports.' }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.test-tmp/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      curly: ['error', 'all'],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: 'Do not commit .only' },
        { selector: 'TSEnumDeclaration', message: 'Use a const object or a union: enums are not erasable syntax.' },
      ],
    },
  },
  {
    files: ['electron/kms/**', 'electron/cli/**', 'electron/server/**', 'shared/**'],
    rules: { 'no-restricted-imports': ['error', noElectronInEngine] },
  },
  {
    files: ['shared/**', 'renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noElectronInEngine,
          patterns: [{ group: ['node:*', 'fs', 'path', 'crypto', 'child_process', 'better-sqlite3', 'keytar', 'pkcs11js'], message: 'shared/ and renderer/ run in the sandboxed renderer: no Node modules.' }],
        },
      ],
    },
  },
  {
    // The CLI's entry (electron/cli/bin.cjs) is CommonJS on purpose (D30: it starts faster).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**', 'bench/**', '**/*.mjs'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
);
