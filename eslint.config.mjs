// Lint is architecture (STYLE.md habit 10): promises are awaited, switches over unions are exhaustive,
// equality is strict, and platform code never reaches into the API or posts features.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'scripts/**', '*.js', '*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/platforms/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/posts/**', '**/accounts/**', '**/articles/**', '**/publishing/**', '**/config/**', '**/database/**', '@nestjs/*'], message: 'Adapters are stateless and know nothing of the app around them.' }] },
      ],
    },
  },
);
