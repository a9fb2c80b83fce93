import * as d2l from 'd2l'; import { strict as assert } from 'assert'; describe('x', () => it('y', () => assert.equal(d2l.placeholder, 1)));
