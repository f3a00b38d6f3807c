/**
 * Reads what hf-core needs from an ONNX file without loading its weights: opset imports, graph
 * inputs and outputs, initializer shapes and external-data references, and the embedding lookup
 * of `input_ids`. It walks the protobuf wire format with positioned reads and skips weight bytes,
 * so a multi-gigabyte file costs a few kilobytes of reading.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRefused, resolveInside } from '@hf-core/core';

/** ONNX TensorProto.DataType codes, as onnxruntime names them. */
const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};
const ELEM_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2,
};

export interface HeaderValue {
  name: string;
  type: string;
  dims: (number | string)[];
}

export interface ExternalRef {
  tensor: string;
  location: string;
  offset: number;
  length: number;
}

export interface OnnxHeader {
  opsets: Record<string, number>;
  inputs: HeaderValue[];
  outputs: HeaderValue[];
  externalData: ExternalRef[];
  /** Node count per `domain:opType` of the main graph (contrib ops show as `com.microsoft:FastGelu`). */
  ops: Record<string, number>;
  /** Rows of the table `input_ids` is gathered from, when the graph says (the embedding's vocabulary size). */
  embeddingRows?: number;
}

class Cursor {
  private buf = Buffer.alloc(0);
  private start = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}
  byte(pos: number): number {
    if (pos < this.start || pos >= this.start + this.buf.length) {
      if (pos >= this.size) throw new Error(`unexpected end of file at byte ${pos}`);
      this.buf = Buffer.alloc(Math.min(65536, this.size - pos));
      readSync(this.fd, this.buf, 0, this.buf.length, pos);
      this.start = pos;
    }
    return this.buf[pos - this.start]!;
  }
  bytes(pos: number, len: number): Buffer {
    const b = Buffer.alloc(len);
    if (len) readSync(this.fd, b, 0, len, pos);
    return b;
  }
}

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire 0), or the payload length (wire 2). */
  value: number;
  /** Where the payload starts (wire 2). */
  at: number;
}

function varint(c: Cursor, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = c.byte(pos++);
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
}

function* fields(c: Cursor, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, p] = varint(c, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, q] = varint(c, p);
      yield { field, wire, value: v, at: p };
      pos = q;
    } else if (wire === 2) {
      const [len, q] = varint(c, p);
      if (q + len > end) throw new Error(`field ${field} at byte ${pos} runs past its message (truncated file?)`);
      yield { field, wire, value: len, at: q };
      pos = q + len;
    } else if (wire === 1) pos = p + 8;
    else if (wire === 5) pos = p + 4;
    else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
  }
}

const text = (c: Cursor, f: Field) => c.bytes(f.at, f.value).toString('utf8');
const end = (f: Field) => f.at + f.value;

function dimsOf(c: Cursor, f: Field): (number | string)[] {
  // TensorShapeProto { repeated Dimension dim = 1 }; Dimension { int64 dim_value = 1; string dim_param = 2 }
  const dims: (number | string)[] = [];
  for (const d of fields(c, f.at, end(f))) {
    if (d.field !== 1 || d.wire !== 2) continue;
    let dim: number | string = '?';
    for (const x of fields(c, d.at, end(d))) {
      if (x.field === 1 && x.wire === 0) dim = x.value;
      if (x.field === 2 && x.wire === 2) dim = text(c, x);
    }
    dims.push(dim);
  }
  return dims;
}

function valueInfo(c: Cursor, f: Field): HeaderValue {
  // ValueInfoProto { name = 1; TypeProto type = 2 }; TypeProto { Tensor tensor_type = 1 }; Tensor { elem_type = 1; shape = 2 }
  const v: HeaderValue = { name: '', type: 'unknown', dims: [] };
  for (const x of fields(c, f.at, end(f))) {
    if (x.field === 1 && x.wire === 2) v.name = text(c, x);
    if (x.field !== 2 || x.wire !== 2) continue;
    for (const t of fields(c, x.at, end(x))) {
      if (t.wire !== 2) continue;
      if (t.field !== 1) {
        v.type = `non-tensor (TypeProto field ${t.field})`;
        continue;
      }
      for (const y of fields(c, t.at, end(t))) {
        if (y.field === 1 && y.wire === 0) v.type = ELEM_TYPES[y.value] ?? `onnx-elem-type-${y.value}`;
        if (y.field === 2 && y.wire === 2) v.dims = dimsOf(c, y);
      }
    }
  }
  return v;
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  external?: Record<string, string>;
}

function initializer(c: Cursor, f: Field): Initializer {
  // TensorProto { dims = 1 (packed or not); data_type = 2; name = 8; raw_data = 9 (skipped); external_data = 13 }
  const t: Initializer = { name: '', dims: [], dataType: 0 };
  for (const x of fields(c, f.at, end(f))) {
    if (x.field === 1 && x.wire === 0) t.dims.push(x.value);
    else if (x.field === 1 && x.wire === 2) {
      for (let p = x.at; p < end(x); ) {
        const [v, q] = varint(c, p);
        t.dims.push(v);
        p = q;
      }
    } else if (x.field === 2 && x.wire === 0) t.dataType = x.value;
    else if (x.field === 8 && x.wire === 2) t.name = text(c, x);
    else if (x.field === 13 && x.wire === 2) {
      let key = '';
      let value = '';
      for (const e of fields(c, x.at, end(x))) {
        if (e.field === 1) key = text(c, e);
        if (e.field === 2) value = text(c, e);
      }
      (t.external ??= {})[key] = value;
    }
  }
  return t;
}

function node(c: Cursor, f: Field): { opType: string; domain: string; inputs: string[] } {
  const n = { opType: '', domain: '', inputs: [] as string[] };
  for (const x of fields(c, f.at, end(f))) {
    if (x.wire !== 2) continue;
    if (x.field === 1) n.inputs.push(text(c, x));
    else if (x.field === 4) n.opType = text(c, x);
    else if (x.field === 7) n.domain = text(c, x);
  }
  return n;
}

/** Reads the header of an ONNX file; throws an Error naming the file when it is not one. */
export function readOnnxHeader(path: string): OnnxHeader {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const c = new Cursor(fd, size);
    const h: OnnxHeader = { opsets: {}, inputs: [], outputs: [], externalData: [], ops: {} };
    const inits = new Map<string, Initializer>();
    const gathers: string[] = [];
    let sawGraph = false;
    for (const f of fields(c, 0, size)) {
      if (f.field === 8 && f.wire === 2) {
        let domain = '';
        let version = 0;
        for (const x of fields(c, f.at, end(f))) {
          if (x.field === 1 && x.wire === 2) domain = text(c, x);
          if (x.field === 2 && x.wire === 0) version = x.value;
        }
        h.opsets[domain || 'ai.onnx'] = version;
      }
      if (f.field !== 7 || f.wire !== 2) continue;
      sawGraph = true;
      const initNames = new Set<string>();
      for (const g of fields(c, f.at, end(f))) {
        if (g.wire !== 2) continue;
        if (g.field === 11) h.inputs.push(valueInfo(c, g));
        else if (g.field === 12) h.outputs.push(valueInfo(c, g));
        else if (g.field === 5) {
          const t = initializer(c, g);
          initNames.add(t.name);
          inits.set(t.name, t);
        } else if (g.field === 1) {
          const n = node(c, g);
          const key = `${n.domain || 'ai.onnx'}:${n.opType}`;
          h.ops[key] = (h.ops[key] ?? 0) + 1;
          if (n.opType === 'Gather' && n.inputs[1] === 'input_ids' && n.inputs[0]) gathers.push(n.inputs[0]);
          // com.microsoft's fused embedding: (input_ids, segment_ids, word_embedding, ...).
          if (n.opType === 'EmbedLayerNormalization' && n.inputs[2]) gathers.push(n.inputs[2]);
        }
      }
      // Older exporters list initializers among the inputs too; they are not inputs to feed.
      h.inputs = h.inputs.filter((i) => !initNames.has(i.name));
    }
    if (!sawGraph) throw new Error('no graph found (is this an ONNX model?)');
    for (const t of inits.values()) {
      if (!t.external) continue;
      const count = t.dims.reduce((a, b) => a * b, 1);
      h.externalData.push({
        tensor: t.name,
        location: t.external.location ?? '',
        offset: Number(t.external.offset ?? 0),
        length: Number(t.external.length ?? count * (ELEM_BYTES[t.dataType] ?? 1)),
      });
    }
    const table = gathers.map((n) => inits.get(n)).find((t) => t && t.dims.length === 2);
    if (table) h.embeddingRows = table.dims[0];
    return h;
  } catch (err) {
    throw new Error(`${path} could not be read as ONNX: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * What is wrong with a file's external data, without opening any of it. `refused`: a `location`
 * that leaves the model folder or is not a regular file (never opened or stat'ed; the folder is
 * refused). `problems`: a location that is missing, an offset or length that is not a byte count,
 * a file shorter than the bytes a tensor needs. Each names the ONNX file, the initializer and the
 * sizes. `onnxRel` is the ONNX file's path relative to `dir`.
 */
export function externalDataProblems(
  dir: string,
  onnxRel: string,
  header: OnnxHeader,
): { refused: string[]; problems: string[] } {
  const refused: string[] = [];
  const problems: string[] = [];
  const need = new Map<string, { bytes: number; tensor: string }>();
  for (const r of header.externalData) {
    if (!Number.isSafeInteger(r.offset) || r.offset < 0 || !Number.isSafeInteger(r.length) || r.length < 0) {
      problems.push(
        `${onnxRel}: external data of initializer "${r.tensor}" has offset ${r.offset} and length ${r.length}, which are not byte counts`,
      );
      continue;
    }
    const prev = need.get(r.location);
    if (!prev || r.offset + r.length > prev.bytes)
      need.set(r.location, { bytes: r.offset + r.length, tensor: r.tensor });
  }
  const from = dirname(onnxRel);
  for (const [location, { bytes, tensor }] of need) {
    const what = `${onnxRel}: external data location ${JSON.stringify(location)} of initializer "${tensor}"`;
    const at = location ? resolveInside(dir, location, { from, what }) : undefined;
    if (at && isRefused(at)) {
      refused.push(at.problem);
      continue;
    }
    if (!at?.exists) {
      problems.push(
        `${onnxRel} keeps its weights in external data file ${JSON.stringify(location)}, which is missing${at ? ` (looked for ${at.path})` : ''}`,
      );
      continue;
    }
    if (at.kind !== 'file') {
      refused.push(`${what} is a ${at.kind}, not a regular file`);
      continue;
    }
    const size = at.bytes ?? 0;
    if (size < bytes)
      problems.push(
        `${at.rel} is truncated: it has ${size} bytes, but tensor "${tensor}" of ${onnxRel} needs bytes up to ${bytes}`,
      );
  }
  return { refused, problems };
}
