import { describe, expect, it, vi } from 'vitest';
import { main } from '../index.ts';
import { runCli } from '../test-fixtures/cli.ts';

const cli = (...argv: string[]) => runCli(argv, { cwd: process.cwd(), env: {} });

describe('hf-core doctor', () => {
  it('--json: one row per default backend with backend, available, reason, versions; exit 0', async () => {
    const r = await cli('doctor', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as {
      backend: string;
      available: boolean;
      reason: string;
      versions: Record<string, string>;
    }[];
    expect(rows.map((x) => x.backend)).toEqual([
      'cpu',
      'wasm',
      'cuda',
      'webgpu',
      'openvino',
      'pytorch',
      'pytorch-cuda',
      'browser-wasm',
      'browser-webgpu',
    ]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['backend', 'available', 'reason', 'versions']);
      expect(row.reason.length).toBeGreaterThan(10);
      if (!row.backend.startsWith('browser-')) expect(row.versions.node).toBe(process.version);
    }
    const by = Object.fromEntries(rows.map((x) => [x.backend, x]));
    // pytorch: the Python side's versions when it runs, else what is missing and the setup command.
    if (by.pytorch!.available)
      expect(Object.keys(by.pytorch!.versions)).toEqual(expect.arrayContaining(['python', 'torch', 'transformers']));
    else expect(by.pytorch!.reason).toMatch(/hf-core setup pytorch|pip install/);
    expect(by.cpu!.available).toBe(true);
    expect(by.wasm!.available).toBe(true);
    // This machine has no GPU and no openvino-node: each says why.
    if (!by.cuda!.available) expect(by.cuda!.reason).toMatch(/cuda/i);
    if (!by.openvino!.available) expect(by.openvino!.reason).toMatch(/openvino-node/);
    // The browser backends name Chromium and its WebGPU adapter, or say how to install Chromium.
    const webgpu = by['browser-webgpu']!;
    if (webgpu.available) {
      expect(webgpu.versions.chromium).toMatch(/^\d+\./);
      expect(Object.keys(webgpu.versions)).toEqual(
        expect.arrayContaining(['webgpu.vendor', 'webgpu.isFallbackAdapter']),
      );
      expect(webgpu.reason).toContain(webgpu.versions['webgpu.architecture']);
    } else expect(webgpu.reason).toMatch(/apt-get install -y chromium|WebGPU adapter/);
  }, 180_000);

  it('prints a table, and a plugin that does not load is a row saying so rather than a failure', async () => {
    const r = await cli('doctor', '--plugins', 'cpu,no-such-backend');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^BACKEND\s+AVAILABLE\s+VERSIONS\s+REASON$/);
    expect(lines[1]).toMatch(/^cpu\s+yes\s+node v\d+.*onnxruntime-node \d/);
    expect(lines[2]).toMatch(/^no-such-backend\s+no\s+-\s+plugin did not load: Unknown plugin "no-such-backend"/);
    expect(r.out).toContain('1 of 2 backend(s) can run here');
  });

  it('--help teaches what it checks and how to read it', async () => {
    // cac prints help with console.info; capture it.
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
    try {
      expect(
        await main(['doctor', '--help'], {
          stdout: () => undefined,
          stderr: () => undefined,
          cwd: process.cwd(),
          env: {},
        }),
      ).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const help = printed.join('\n');
    expect(help).toMatch(/tiny model really run on the device/);
    expect(help).toMatch(/--json .*backend, available, reason, versions/);
    expect(help).toMatch(/Always exits 0/);
  });
});
