/** Reads a V8 .cpuprofile and sums self time by function and by where the code lives. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
  /** The heaviest call paths into it (nearest caller first), with their share of its self time. */
  callers: { path: string; percent: number }[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time the thread was busy (everything but "(idle)"). */
  busyMs: number;
  topFunctions: ProfileLine[];
  byArea: { area: string; selfMs: number; percent: number }[];
}

/** node_modules/<package>, dist (the app), node internals, or V8's own entries. */
export function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.includes('/dist/')) return 'app (dist/)';
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    // timeDeltas[i] is the time before sample i; charge the next delta to this sample.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const totalUs = profile.endTime - profile.startTime;
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frame = (id: number): string => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^.*\//, '');
    return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
  };
  /** Up to `depth` callers of node `id`, skipping anonymous frames and the root. */
  const callerPath = (id: number, depth = 4): string => {
    const out: string[] = [];
    for (let p = parent.get(id); p !== undefined && out.length < depth; p = parent.get(p)) {
      const f = frame(p);
      if (f.startsWith('(root)')) break;
      if (!f.startsWith('(anonymous)')) out.push(f);
    }
    return out.join(' < ');
  };
  const fn = new Map<string, { name: string; where: string; us: number; paths: Map<string, number> }>();
  const area = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') idleUs += us;
    const short = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\//, '')
      .replace(/^.*\/dist\//, 'dist/');
    const where = url ? `${short}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = fn.get(key) ?? { name, where, us: 0, paths: new Map<string, number>() };
    entry.us += us;
    const p = callerPath(id);
    entry.paths.set(p, (entry.paths.get(p) ?? 0) + us);
    fn.set(key, entry);
    const a = areaOf(url, name);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  const pct = (us: number): number => Math.round((1000 * us) / totalUs) / 10;
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round((totalUs - idleUs) / 1000),
    topFunctions: [...fn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        name: f.name,
        where: f.where,
        selfMs: Math.round(f.us / 1000),
        percent: pct(f.us),
        callers: [...f.paths.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 2)
          .map(([path, us]) => ({ path, percent: Math.round((100 * us) / Math.max(1, f.us)) })),
      })),
    byArea: [...area.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([a, us]) => ({ area: a, selfMs: Math.round(us / 1000), percent: pct(us) })),
  };
}

/** A profile summary as the report prints it: areas, then the top functions with their main caller. */
export function profileText(name: string, p: ProfileSummary | null | undefined): string {
  if (!p) return '';
  const lines = [
    `server CPU profile during ${name}: ${p.file} (busy ${p.busyMs} of ${p.totalMs} ms)`,
    '  by area:',
  ];
  for (const a of p.byArea.slice(0, 10))
    lines.push(`    ${a.percent.toFixed(1).padStart(5)}%  ${a.selfMs.toString().padStart(7)} ms  ${a.area}`);
  lines.push('  top self time:');
  for (const f of p.topFunctions.slice(0, 15)) {
    lines.push(
      `    ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toString().padStart(7)} ms  ${f.name}  ${f.where}`,
    );
    const c = f.callers[0];
    if (c?.path && !f.name.startsWith('('))
      lines.push(`              ${c.percent}% via ${c.path.slice(0, 150)}`);
  }
  return lines.join('\n');
}
