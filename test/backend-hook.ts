/**
 * Mocha root hook (both .mocharc files require it): with D2L_BACKEND set, every test file runs on
 * that backend, e.g. `D2L_BACKEND=wasm npm run test:unit`; unset, tests run on tfjs's default (cpu).
 */
import * as d2l from 'd2l';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    if (process.env['D2L_BACKEND']) await d2l.useBackend(undefined, { quiet: true });
  },
};
