/**
 * Bundle the browser playgrounds (lib/src/live/browser.ts and the rule modules it imports) into one
 * IIFE script, lib/dist/playground-bundle.js, which exposes `window.d2lPlayground`. Run by
 * `npm run build` after tsc. The bundle must compute with the lib's own rules and stay small, so any
 * import of TensorFlow.js or of a Node module fails the build, naming the importer.
 */
import * as esbuild from 'esbuild';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');
const entry = path.join(repo, 'lib', 'src', 'live', 'browser.ts');
const outfile = path.join(repo, 'lib', 'dist', 'playground-bundle.js');

/** Fails the build on any import the browser cannot or should not have. */
const browserOnly: esbuild.Plugin = {
  name: 'd2l-browser-only',
  setup(build) {
    build.onResolve({ filter: /^(@tensorflow\/|fs$|path$|os$|child_process$|tslab)/ }, (args) => ({
      errors: [{ text: `the playground bundle must not import '${args.path}' (imported by ${path.relative(repo, args.importer)}): move what the page needs into a module without it` }],
    }));
    build.onResolve({ filter: /(^|\/)(figure|display|index|backend)$/ }, (args) =>
      args.kind === 'import-statement' && /lib\/src/.test(args.importer)
        ? { errors: [{ text: `the playground bundle must not import ${args.path} (from ${path.relative(repo, args.importer)}): it needs Node or TensorFlow.js` }] }
        : undefined);
  },
};

async function main(): Promise<void> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'd2lPlayground',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    outfile,
    plugins: [browserOnly],
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = result.metafile.outputs[path.relative(process.cwd(), outfile)]?.bytes ?? 0;
  if (process.env['D2L_BUNDLE_VERBOSE']) console.log(`playground bundle: ${outfile} (${bytes} bytes)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
