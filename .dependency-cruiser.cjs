/**
 * The import rules `npm test` enforces (npm run deps). Short on purpose: read it in a minute.
 * Libraries are reached through their public barrel, `@app/<lib>` (libs/<lib>/src/index.ts), and
 * inside libs/consistency each capability folder through its own index.ts.
 */
const BARREL = '^libs/[^/]+/src/index\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles, between libs or inside one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'apps-use-lib-aliases',
      comment: 'Apps import libs only as @app/<lib>, never by relative path.',
      severity: 'error',
      from: { path: '^apps/' },
      to: { path: '^libs/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'no-deep-imports',
      comment: 'Apps, benchmarks and specs reach a lib only through its barrel (@app/<lib>), never into its src/ internals.',
      severity: 'error',
      from: { path: '^(apps|bench|test)/' },
      to: { path: '^libs/[^/]+/src/', pathNot: BARREL },
    },
    {
      name: 'no-deep-imports-between-libs',
      comment: "A lib reaches another only through that lib's barrel.",
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/[^/]+/src/', pathNot: ['^libs/$1/', BARREL] },
    },
    {
      name: 'libs-do-not-import-apps',
      comment: 'No lib imports an app; libs/testing may boot them through @apps/api and @apps/worker only.',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/testing/' },
      to: { path: '^apps/' },
    },
    {
      name: 'testing-boots-apps-through-their-bootstrap',
      severity: 'error',
      from: { path: '^libs/testing/' },
      to: { path: '^apps/', pathNot: '^apps/(api|worker)/src/bootstrap\\.ts$' },
    },
    {
      name: 'apps-stay-apart',
      comment: 'The api and the worker share only libs.',
      severity: 'error',
      from: { path: '^apps/(api|worker)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'capabilities-through-their-index',
      comment: "Inside libs/consistency a capability folder reaches another only through that folder's index.ts.",
      severity: 'error',
      from: { path: '^libs/consistency/src/([^/]+)/' },
      to: { path: '^libs/consistency/src/[^/]+/', pathNot: ['^libs/consistency/src/$1/', '^libs/consistency/src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves (an alias spelled into a lib, `@app/cache/src/...`, would otherwise slip past the rules above).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
