import assert from 'node:assert/strict';
import { DOUBLE_TOKEN } from '../double/plex-tv-double';
import { NODE_CASES } from './cases';
import {
  useDouble,
  actionTarget,
  checkInvariants,
  completed,
  loadCase,
  outcomeOf,
  sendTagged,
  tally,
} from './support';

describe('reliability: bad input', () => {
  const currentDouble = useDouble();

  for (const nodeCase of NODE_CASES) {
    for (const input of nodeCase.inputs) {
      for (const errorWired of [true, false]) {
        it(`${nodeCase.type}: ${input.shapes.length} shapes of the ${input.name}, output 2 ${errorWired ? 'wired' : 'not wired'}`, async () => {
          assert.ok(input.shapes.length >= 40, 'at least 40 shapes');
          const double = currentDouble();
          const flow = await loadCase(nodeCase, double, { errorWired });
          const values = input.shapes.map((shape) => shape.value());
          const msgs = values.map((value) => input.message(value));
          const tags = [...sendTagged(flow, msgs)];
          tally.inputs += msgs.length;
          await completed(flow, msgs.length);
          checkInvariants(flow, new Set(tags), { errorWired }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
          const accepted = input.shapes.filter((shape) => shape.accepts !== undefined);
          input.shapes.forEach((shape, i) => {
            const { msg, code } = outcomeOf(flow, tags[i]);
            assert.equal(msg, msgs[i], `${shape.what}: the incoming msg is sent on`);
            if (shape.name) {
              assert.equal(code, 'NOT_FOUND', `${shape.what} is looked up as a name`);
            } else if (shape.accepts === undefined) {
              assert.equal(code, input.invalidCode, `${shape.what} is refused`);
            } else {
              assert.notEqual(code, input.invalidCode, `${shape.what} is read`);
            }
            if (shape.accepts === undefined && typeof values[i] === 'string') {
              // The value stays in msg.payload; it must not be copied into the error's text.
              const text = JSON.stringify(msg.error ?? null);
              const value = (values[i] as string).trim();
              if (value.length > 4) assert.ok(!text.includes(value), `${shape.what} is not echoed`);
            }
          });
          // The requests good input ends in: at plex.tv, or at the media server after it.
          const target = actionTarget(nodeCase);
          const actions = target.double.requests.filter((r) => target.path.test(r.path));
          assert.equal(actions.length, accepted.length, 'refused input makes no request');
          for (const shape of accepted) {
            assert.ok(
              actions.some((r) => r.url.includes(String(shape.accepts))),
              `${shape.what} reached ${target.what} as ${shape.accepts}`,
            );
          }
        });
      }

      it(`${nodeCase.type}: a message whose ${input.name} property throws when read`, async () => {
        const double = currentDouble();
        const flow = await loadCase(nodeCase, double);
        const msg = input.message(undefined);
        Object.defineProperty(msg, input.property, {
          enumerable: true,
          get: () => {
            throw new Error(`reading ${input.property}`);
          },
        });
        const tags = sendTagged(flow, [msg]);
        tally.inputs++;
        await completed(flow, 1);
        checkInvariants(flow, tags, { errorWired: true }, [DOUBLE_TOKEN, ...nodeCase.secrets]);
        assert.equal(outcomeOf(flow, [...tags][0]).code, input.invalidCode);
        assert.equal(double.requests.length + actionTarget(nodeCase).double.requests.length, 0);
      });
    }
  }
});
