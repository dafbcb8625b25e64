// typescript-eslint, strict and type-aware, over src/, test/ and bench/ (npm run lint). Formatting is Prettier's job (npm run format:check).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // src/passwords/worker-entry.mjs is a plain-JS shim that loads the TypeScript worker; it is outside the TS project.
  { ignores: ['node_modules/**', 'bin/**', 'web/**', '*.config.*', '.dependency-cruiser.cjs', 'src/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Template literals with numbers and booleans read fine in messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `_`-prefixed parameters are deliberately unused (express error handlers need four).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // noUncheckedIndexedAccess is on, so `xs[i]!` inside a bounds-checked loop is how the hot paths index typed arrays.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // TypeScript does not see flags flipped inside callbacks (`while (!stopped)`, `done`) and Roster re-checks rows and
      // metadata read back from jsonb; the rule calls both dead code, so it is off rather than silenced at each site.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Deciders and read models copy a record, then drop a key named by the event (metadata, organisation properties).
      '@typescript-eslint/no-dynamic-delete': 'off',
      // `(x) => resolve(x)` callbacks and express's `return next(err)` are idioms; braces there add noise, not safety.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // Tests and benchmarks read JSON response bodies and rows as `any` and assert on them: the assertion is the check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes implement async ports (resolvers, pacers, stores) without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
