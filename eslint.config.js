import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', '.data/**', '.cache/**', 'public/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The domain is pure: it knows the database and itself, never the web layer. What it needs
    // from there (password hashing, ending sessions) is passed in by the caller.
    files: ['app/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/utils/*', '**/models/*', '**/routes/*', '**/components/*', '**/server/*'],
              message:
                'app/domain must not import the web layer (utils, models, routes, components, server).',
            },
            {
              group: ['react', 'react-dom', 'react-dom/*', '@remix-run/*'],
              message: 'app/domain must not import React or Remix.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/routes/*'], message: 'Workers must not import routes.' }] },
      ],
    },
  },
);
