import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The example flows read left to right: every wire goes from a node to one further right, and
 * no two wires cross. Node-RED draws a node around its x/y; a wire leaves from the right edge at
 * the height of its output port and enters at the left edge, at the node's middle.
 */

interface FlowNode {
  id: string;
  type: string;
  x?: number;
  y?: number;
  wires?: string[][];
}

interface Wire {
  from: string;
  to: string;
  start: [number, number];
  end: [number, number];
}

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
/** Half of the widest node of the examples, and the step between two output ports. */
const HALF_WIDTH = 50;
const PORT_STEP = 13;

function wires(nodes: FlowNode[]): Wire[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return nodes.flatMap((source) =>
    (source.wires ?? []).flatMap((targets, port) =>
      targets.map((id) => {
        const target = byId.get(id);
        assert.ok(target && source.x !== undefined && source.y !== undefined, `${source.id}`);
        assert.ok(target.x !== undefined && target.y !== undefined, id);
        const portY = source.y + (port - ((source.wires?.length ?? 1) - 1) / 2) * PORT_STEP;
        return {
          from: source.id,
          to: id,
          start: [source.x + HALF_WIDTH, portY] as [number, number],
          end: [target.x - HALF_WIDTH, target.y] as [number, number],
        };
      }),
    ),
  );
}

/** Whether two wires cross, each taken as the straight line between its ends. */
function cross(a: Wire, b: Wire): boolean {
  if (a.from === b.from || a.to === b.to) return false;
  const side = (p: [number, number], q: [number, number], r: [number, number]) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return (
    side(a.start, a.end, b.start) * side(a.start, a.end, b.end) < 0 &&
    side(b.start, b.end, a.start) * side(b.start, b.end, a.end) < 0
  );
}

describe('example flows', () => {
  const examples = fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      name: f,
      nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as FlowNode[],
    }));

  it('tells crossing wires from parallel ones', () => {
    const crossed: FlowNode[] = [
      { id: 'a', type: 'x', x: 100, y: 100, wires: [['d']] },
      { id: 'b', type: 'x', x: 100, y: 200, wires: [['c']] },
      { id: 'c', type: 'x', x: 400, y: 100 },
      { id: 'd', type: 'x', x: 400, y: 200 },
    ];
    const [first, second] = wires(crossed);
    assert.equal(cross(first, second), true);
    const parallel = crossed.map((n) =>
      n.id === 'a' ? { ...n, wires: [['c']] } : n.id === 'b' ? { ...n, wires: [['d']] } : n,
    );
    const [one, two] = wires(parallel);
    assert.equal(cross(one, two), false);
  });

  for (const { name, nodes } of examples) {
    it(`${name}: every wire runs left to right, and none crosses another`, () => {
      const all = wires(nodes);
      assert.ok(all.length > 0);
      for (const wire of all) {
        assert.ok(wire.end[0] > wire.start[0], `${wire.from} -> ${wire.to} runs left to right`);
      }
      const crossing = all.flatMap((a, i) =>
        all
          .slice(i + 1)
          .filter((b) => cross(a, b))
          .map((b) => `${a.from}->${a.to} x ${b.from}->${b.to}`),
      );
      assert.deepEqual(crossing, []);
    });
  }
});
