import { cac } from 'cac';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../index.ts';
import { type CommandEntry, COMMANDS } from './index.ts';

/** Table entries whose module registers another name or another description than the table says. */
async function mismatches(entries: CommandEntry[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    const cli = cac('hf-core');
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: process.cwd(), env: {} };
    (await entry.load()).default.register(cli, io, () => undefined);
    const [command] = cli.commands;
    if (command?.name !== entry.name || command.description !== entry.summary)
      out.push(`${entry.name}: module says ${command?.name} "${command?.description}"`);
  }
  return out;
}

async function printed(argv: string[]) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err: string[] = [];
  try {
    const code = await main(argv, { stdout: () => undefined, stderr: (s) => err.push(s), cwd: process.cwd(), env: {} });
    return { code, text: lines.join('\n'), err: err.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('the command table', () => {
  it("each command's module registers the name and the summary its table line gives", async () => {
    expect(await mismatches(COMMANDS)).toEqual([]);
  });

  it('a line whose summary drifted from its module is caught', async () => {
    const drifted = COMMANDS.map((c) => (c.name === 'doctor' ? { ...c, summary: 'Something else' } : c));
    expect(await mismatches(drifted)).toEqual([expect.stringMatching(/^doctor: module says doctor "Say which/)]);
  });

  it('--help lists every command with its summary; --version prints the package version', async () => {
    const help = await printed(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.text).toContain(`${c.name}  `);
    expect(help.text).toContain(COMMANDS[0]!.summary);
    const version = await printed(['--version']);
    expect(version.code).toBe(0);
    const { version: pkgVersion } = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect(version.text).toContain(`hf-core/${pkgVersion}`);
  });

  it('an unknown command is exit 2 with where to look', async () => {
    const r = await printed(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unknown command "frobnicate"');
  });
});
