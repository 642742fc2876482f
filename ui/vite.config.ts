/// <reference types="vitest/config" />
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The desktop app runs with Tauri's `freezePrototype`: Object.prototype is frozen before any
 * page script (against prototype pollution). Three libraries under recharts then throw while
 * loading, and the whole UI stayed blank: an assignment may not shadow a read-only inherited
 * property (the "override mistake"), and they assign `constructor`, `toString` and `valueOf` on
 * plain objects. Each patch below turns such an assignment into a definition of an own property,
 * which is what the library meant, and keeps the hardening on. A library whose code no longer
 * matches fails the build instead of blanking the app; the browser tests freeze the prototype
 * as the app does, so a new case shows up there.
 */
const FROZEN_PROTOTYPE_PATCHES: { module: RegExp; find: string; replace: string }[] = [
  {
    // Axis ticks: `P.toString = P.valueOf = …` on the prototype, `x.constructor = Decimal` on
    // every number. Own writable properties on the prototype first make both legal.
    module: /[\\/]decimal\.js-light[\\/]decimal\.m?js$/,
    find: 'P.toString = P.valueOf = P.val = P.toJSON = function',
    replace:
      "for (const name of ['toString', 'valueOf', 'constructor']) " +
      'Object.defineProperty(P, name, { writable: true, configurable: true, enumerable: false });\n' +
      'P.toString = P.valueOf = P.val = P.toJSON = function',
  },
  {
    // Colour interpolation: `define()` sets `prototype.constructor` on an object literal.
    module: /[\\/]d3-color[\\/]dist[\\/]d3-color\.m?js$/,
    find: '  prototype.constructor = constructor;',
    replace:
      "  Object.defineProperty(prototype, 'constructor', " +
      '{ value: constructor, writable: true, configurable: true, enumerable: false });',
  },
  {
    // Number formats: `FormatSpecifier.prototype.toString = …` on a plain prototype object.
    module: /[\\/]d3-format[\\/]dist[\\/]d3-format\.m?js$/,
    find: 'FormatSpecifier.prototype.toString = function() {',
    replace:
      "Object.defineProperty(FormatSpecifier.prototype, 'toString', " +
      '{ writable: true, configurable: true, enumerable: false });\n' +
      'FormatSpecifier.prototype.toString = function() {',
  },
];

function underFrozenPrototype(): Plugin {
  return {
    name: 'under-frozen-prototype',
    enforce: 'pre',
    transform(code, id) {
      const patch = FROZEN_PROTOTYPE_PATCHES.find((p) => p.module.test(id));
      if (!patch) return null;
      if (!code.includes(patch.find)) {
        this.error(`${id} changed: check it still loads under a frozen Object.prototype (vite.config.ts)`);
      }
      return { code: code.split(patch.find).join(patch.replace), map: null };
    },
  };
}

export default defineConfig({
  plugins: [underFrozenPrototype(), react(), tailwindcss()],
  // The dev server pre-bundles dependencies without the plugins above: patch them there too, or
  // `tauri dev` shows the blank window the build no longer does.
  optimizeDeps: { rolldownOptions: { plugins: [underFrozenPrototype()] } },
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: { outDir: 'dist', target: 'es2022' },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    // Only catches a hung test: under load (CI, several builds at once) one that renders the
    // analytics page takes several seconds, and how long it takes is not what it checks.
    testTimeout: 120_000,
  },
});
