import onnxProto from 'onnx-proto';
import { SeededRandom, subSeed } from './random.ts';

const { onnx } = onnxProto;

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'float64';
export type Dim = number | string;

const DATA_TYPE: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

export type AttrValue =
  | number
  | string
  | number[]
  | string[]
  | { float: number }
  | { floats: number[] }
  | { tensor: TensorInit };

export interface TensorInit {
  type: ElemType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array | Float64Array;
}

export interface WeightInit {
  /** `normal` (std, default 0.02), `ones`, `zeros`, or `uniform` in [-scale, scale]. */
  init?: 'normal' | 'ones' | 'zeros' | 'uniform';
  std?: number;
  scale?: number;
}

export interface GraphOptions {
  name?: string;
  seed?: number;
  /** Default-domain opset; 17 gives LayerNormalization. */
  opset?: number;
  /** Extra operator domains, e.g. `{ 'com.microsoft': 1 }` for contrib ops. */
  domains?: Record<string, number>;
  producer?: string;
}

export interface SaveOptions {
  /**
   * Store initializers of at least `threshold` bytes in this file beside the model
   * (`model.onnx.data`), as exporters do for large models.
   */
  externalData?: { location: string; threshold?: number };
}

function byteView(data: TensorInit['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Builds an ONNX graph: declare inputs, add parameters (seeded) and nodes, mark outputs, then
 * serialize. Values are plain tensor names; each `op()` returns fresh unique output names.
 */
export class GraphBuilder {
  readonly seed: number;
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: TensorInit[] = [];
  private readonly initializerNames: string[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(private readonly options: GraphOptions = {}) {
    this.seed = options.seed ?? 42;
  }

  /** A unique value name with the given prefix. */
  fresh(prefix: string): string {
    let name = prefix;
    while (this.used.has(name)) name = `${prefix}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  input(name: string, type: ElemType, dims: Dim[]): string {
    if (this.used.has(name)) throw new Error(`GraphBuilder: duplicate value name "${name}"`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Marks `value` as a graph output named `name` (an Identity is added when names differ). */
  output(value: string, name: string, type: ElemType, dims: Dim[]): string {
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`GraphBuilder: output name "${name}" is taken`);
      this.used.add(name);
      this.nodes.push(
        onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: `${name}/identity` }),
      );
    }
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** A constant initializer with the given data. */
  tensor(name: string, init: TensorInit): string {
    const n = this.fresh(name);
    this.initializers.push(init);
    this.initializerNames.push(n);
    return n;
  }

  /** A float32 weight of the given shape, filled deterministically from the graph seed and name. */
  param(name: string, dims: number[], w: WeightInit = {}): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const kind = w.init ?? 'normal';
    if (kind === 'ones') data.fill(1);
    else if (kind !== 'zeros') {
      const rng = new SeededRandom(subSeed(this.seed, name));
      const std = w.std ?? 0.02;
      const scale = w.scale ?? 0.1;
      for (let i = 0; i < size; i++) data[i] = kind === 'normal' ? rng.normal() * std : (rng.next() * 2 - 1) * scale;
    }
    return this.tensor(name, { type: 'float32', dims, data });
  }

  constInt64(values: number[], name = 'const_i64', dims: number[] = [values.length]): string {
    return this.tensor(name, { type: 'int64', dims, data: BigInt64Array.from(values.map((v) => BigInt(v))) });
  }

  constFloat(values: number[], name = 'const_f32', dims: number[] = [values.length]): string {
    return this.tensor(name, { type: 'float32', dims, data: Float32Array.from(values) });
  }

  scalarFloat(value: number, name = 'scalar_f32'): string {
    return this.tensor(name, { type: 'float32', dims: [], data: Float32Array.from([value]) });
  }

  scalarInt64(value: number, name = 'scalar_i64'): string {
    return this.tensor(name, { type: 'int64', dims: [], data: BigInt64Array.from([BigInt(value)]) });
  }

  /** Adds a node; returns its single output name. */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; domain?: string } = {},
  ): string {
    return this.opN(opType, inputs, 1, attrs, opts)[0]!;
  }

  /** Adds a node with `nOut` outputs (e.g. Split); returns their names. */
  opN(
    opType: string,
    inputs: string[],
    nOut: number,
    attrs: Record<string, AttrValue> = {},
    opts: { name?: string; domain?: string } = {},
  ): string[] {
    const base = opts.name ?? opType.toLowerCase();
    const outputs = Array.from({ length: nOut }, (_, i) => this.fresh(nOut === 1 ? base : `${base}_out${i}`));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        domain: opts.domain ?? '',
        input: inputs,
        output: outputs,
        name: this.fresh(`${base}/node`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outputs;
  }

  /** Number of parameters (elements of float initializers). */
  parameterCount(): number {
    return this.initializers
      .filter((t) => t.type === 'float32' || t.type === 'float16')
      .reduce((a, t) => a + t.data.length, 0);
  }

  /** Serializes the model; with `externalData`, also returns the side file's bytes. */
  serialize(save: SaveOptions = {}): { model: Uint8Array; external?: Uint8Array } {
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const threshold = save.externalData?.threshold ?? 1024;
    const initializer = this.initializers.map((t, i) => {
      const bytes = byteView(t.data);
      const proto = onnx.TensorProto.create({
        name: this.initializerNames[i],
        dataType: DATA_TYPE[t.type],
        dims: t.dims,
      });
      if (save.externalData && bytes.byteLength >= threshold) {
        proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        proto.externalData = [
          { key: 'location', value: save.externalData.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.byteLength) },
        ];
        chunks.push(bytes);
        offset += bytes.byteLength;
      } else {
        proto.rawData = bytes.slice();
      }
      return proto;
    });
    const domains = Object.entries(this.options.domains ?? {}).map(([domain, version]) => ({ domain, version }));
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: this.options.producer ?? 'hf-core onnx-builder',
      opsetImport: [{ domain: '', version: this.options.opset ?? 17 }, ...domains],
      graph: onnx.GraphProto.create({
        name: this.options.name ?? 'hf-core-tiny',
        node: this.nodes,
        initializer,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    const out: { model: Uint8Array; external?: Uint8Array } = { model: onnx.ModelProto.encode(model).finish() };
    if (save.externalData) {
      const ext = new Uint8Array(offset);
      let o = 0;
      for (const c of chunks) {
        ext.set(c, o);
        o += c.byteLength;
      }
      out.external = ext;
    }
    return out;
  }
}

function valueInfo(name: string, type: ElemType, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function attribute(name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { name, type: A.INTS, ints: v as number[] };
    return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  }
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: A.FLOATS, floats: v.floats };
  const t = v.tensor;
  return {
    name,
    type: A.TENSOR,
    t: { dataType: DATA_TYPE[t.type], dims: t.dims, rawData: byteView(t.data).slice() },
  };
}
