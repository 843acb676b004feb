// `npm run build`: bundles the designer's pages (bpmn-js with the properties panel, bpmnlint,
// token simulation, dmn-js) into dist/designer/, which web/vendor.py serves. No inline styles:
// the site's CSP refuses them, so style="…" in the HTML strings of a few libraries becomes
// data-csp-style="…", applied through the CSSOM by src/designer/csp-styles.js.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const INLINE_STYLED = /node_modules\/(bpmn-js-token-simulation|bpmn-js-properties-panel|dmn-js[\w-]*)\/.*\.js$/;

const cspStyles = {
  name: 'csp-styles',
  setup(build) {
    build.onLoad({ filter: INLINE_STYLED }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replace(/([\s'"`])style=(\\?["'])/g, '$1data-csp-style=$2'), loader: 'js' };
    });
  }
};

// The lint rules of .bpmnlintrc (bpmnlint's recommended ones and bpmnlint-plugin-sqflow's), packed
// for the browser like bpmnlint-pack-config does: `import lintConfig from 'sqflow-lint-config'`.
const lintConfig = {
  name: 'sqflow-lint-config',
  setup(build) {
    build.onResolve({ filter: /^sqflow-lint-config$/ }, () => ({ path: 'sqflow-lint-config', namespace: 'lint' }));
    build.onLoad({ filter: /.*/, namespace: 'lint' }, async () => {
      const rc = JSON.parse(await readFile(new URL('./.bpmnlintrc', import.meta.url), 'utf8'));
      const lines = [];
      const cache = [];
      rc.extends.forEach((name, index) => {
        const [ pkg, config, module ] = name.startsWith('plugin:')
          ? [ 'bpmnlint-plugin-' + name.slice(7).split('/')[0], name.split('/')[1], null ]
          : [ 'bpmnlint', name.split(':')[1], null ];
        const rules = pkg === 'bpmnlint'
          ? require(`bpmnlint/config/${config}`).rules
          : require(pkg).configs[config].rules;
        lines.push(`const config${index} = ${JSON.stringify({ rules })};`);
        cache.push(`'config:${pkg}/${config}': config${index}`);
        Object.keys(rules).forEach((rule, ruleIndex) => {
          const variable = `rule${index}_${ruleIndex}`;
          lines.push(`import ${variable} from '${pkg}/rules/${rule}';`);
          cache.push(`'rule:${pkg}/${rule}': ${variable}`);
        });
      });
      lines.push(`import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';`);
      lines.push(`export default { config: ${JSON.stringify({ extends: rc.extends, rules: rc.rules || {} })},`
                 + ` resolver: new StaticResolver({ ${cache.join(', ')} }) };`);
      return { contents: lines.join('\n'), resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' };
    });
  }
};

await esbuild.build({
  entryPoints: {
    modeler: 'src/designer/modeler.js', 'dmn-editor': 'src/designer/dmn-editor.js', versions: 'src/designer/versions.js'
  },
  outdir: 'dist/designer',
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  loader: { '.woff': 'file', '.woff2': 'file', '.eot': 'file', '.ttf': 'file', '.svg': 'file' },
  plugins: [ cspStyles, lintConfig ],
  logLevel: 'warning'
});
