/**
 * Keep regions: code a user wrote between `// hf-core:keep-start <name>` and
 * `// hf-core:keep-end` lines. Regeneration carries each region's body over byte for byte, and
 * no other pass may touch a body.
 */

export const KEEP_START = 'hf-core:keep-start';
export const KEEP_END = 'hf-core:keep-end';

export interface KeepRegion {
  name: string;
  /** Offset of the start marker line's first character. */
  start: number;
  /** Offset just after the start marker line's line break: where the body begins. */
  bodyStart: number;
  /** Offset of the end marker line's first character: where the body ends. */
  bodyEnd: number;
  /** Offset just after the end marker (its line break excluded). */
  end: number;
  /** 1-based line of the start marker. */
  line: number;
  body: string;
}

export interface RegionProblem {
  line: number;
  message: string;
}

const START_LINE = /^[ \t]*\/\/ ?hf-core:keep-start(?:[ \t]+(\S.*?))?[ \t]*$/;
const END_LINE = /^[ \t]*\/\/ ?hf-core:keep-end\b.*$/;

/** Finds every keep region of `text`; malformed markers come back as problems, never guessed at. */
export function parseKeepRegions(text: string): { regions: KeepRegion[]; problems: RegionProblem[] } {
  const regions: KeepRegion[] = [];
  const problems: RegionProblem[] = [];
  let open: { name: string; start: number; bodyStart: number; line: number } | undefined;
  let offset = 0;
  let line = 1;
  while (offset <= text.length) {
    const nl = text.indexOf('\n', offset);
    const lineEnd = nl < 0 ? text.length : nl;
    const lineText = text.slice(offset, lineEnd).replace(/\r$/, '');
    const next = nl < 0 ? text.length + 1 : nl + 1;
    const startMatch = START_LINE.exec(lineText);
    if (startMatch) {
      if (open) {
        problems.push({
          line,
          message: `keep region "${open.name}" (line ${open.line}) is not closed before the next keep-start; add \`// ${KEEP_END}\``,
        });
      }
      const name = startMatch[1];
      if (!name) {
        problems.push({ line, message: `\`// ${KEEP_START}\` needs a name, e.g. \`// ${KEEP_START} extra-checks\`` });
        open = undefined;
      } else {
        if (regions.some((r) => r.name === name)) {
          problems.push({ line, message: `keep region "${name}" appears twice; give each region its own name` });
        }
        open = { name, start: offset, bodyStart: Math.min(next, text.length), line };
      }
    } else if (END_LINE.test(lineText)) {
      if (!open) {
        problems.push({ line, message: `\`// ${KEEP_END}\` without a matching keep-start` });
      } else {
        regions.push({
          name: open.name,
          start: open.start,
          bodyStart: open.bodyStart,
          bodyEnd: offset,
          end: offset + lineText.length,
          line: open.line,
          body: text.slice(open.bodyStart, offset),
        });
        open = undefined;
      }
    }
    offset = next;
    line++;
  }
  if (open)
    problems.push({
      line: open.line,
      message: `keep region "${open.name}" is never closed; add \`// ${KEEP_END}\` after it`,
    });
  return { regions, problems };
}

/** True when [start, end) would change a region body (a zero-length insert counts at its spot). */
export function touchesBody(regions: readonly KeepRegion[], start: number, end: number): boolean {
  return regions.some((r) =>
    start === end ? start >= r.bodyStart && start < r.bodyEnd : start < r.bodyEnd && end > r.bodyStart,
  );
}

/** True when the node spanning [start, end) lies inside a region (markers included). */
export function insideRegion(regions: readonly KeepRegion[], start: number, end: number): boolean {
  return regions.some((r) => start >= r.start && end <= r.end);
}
