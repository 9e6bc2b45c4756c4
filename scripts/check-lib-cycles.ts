// Fails when two lib/ folders import each other, directly or through others. A folder is a domain: a
// cycle between domains means neither can be understood, tested or moved without the other.
//
// - Nodes are the top-level folders of lib/ (lib/sensors/http counts as lib/sensors): a domain's subfolders
//   are its own business, and what it exposes to the others is what matters.
// - Every import counts, `import type` and `export … from` included: a type-only cycle is still two
//   domains that cannot be read apart.
// - Resolved forms: relative paths, `@/lib/…` (tsconfig paths) and `#lib/…` (package.json "imports").
// - Test files are left out: a test may reach across domains to set the scene.
//
// Usage: node --import tsx scripts/check-lib-cycles.ts [root]   (exit 0: no cycle; 1: cycles printed)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export type ImportEdge = { from: string; to: string; file: string; specifier: string };
export type Cycle = { folders: string[]; evidence: ImportEdge[] };

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name === 'generated' || name === 'node_modules') continue;
      out.push(...listSources(full));
    } else if (/\.(ts|tsx|mts)$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) {
      out.push(full);
    }
  }
  return out;
}

// The lib folder a file belongs to, or null when it is outside lib/ (or directly in lib/).
function folderOf(libDir: string, file: string): string | null {
  const rel = path.relative(libDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0]! : null;
}

function resolveSpecifier(root: string, file: string, specifier: string): string | null {
  if (specifier.startsWith('.')) return path.resolve(path.dirname(file), specifier);
  if (specifier.startsWith('@/')) return path.resolve(root, specifier.slice(2));
  if (specifier.startsWith('#lib/')) return path.resolve(root, 'lib', specifier.slice(5));
  return null; // a package
}

export function importEdges(root: string): ImportEdge[] {
  const libDir = path.join(root, 'lib');
  const edges: ImportEdge[] = [];
  for (const file of listSources(libDir)) {
    const from = folderOf(libDir, file);
    if (!from) continue;
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      const target = resolveSpecifier(root, file, ref.fileName);
      const to = target && folderOf(libDir, target);
      if (to && to !== from) edges.push({ from, to, file: path.relative(root, file), specifier: ref.fileName });
    }
  }
  return edges;
}

// Tarjan's strongly connected components; every component of two or more folders holds a cycle.
function components(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return out.filter((c) => c.length > 1);
}

// The shortest way back from `start` to itself inside one component (breadth-first), as a folder path.
function shortestCycle(graph: Map<string, Set<string>>, members: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [...(graph.get(start) ?? [])].filter((n) => members.has(n)).sort();
  for (const n of queue) previous.set(n, start);
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === start) break;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next) || previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  const pathBack = [start];
  for (let node = previous.get(start)!; node !== start; node = previous.get(node)!) pathBack.unshift(node);
  return [start, ...pathBack];
}

export function findLibCycles(root: string): Cycle[] {
  const edges = importEdges(root);
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from)!.add(e.to);
  }
  const cycles: Cycle[] = [];
  for (const component of components(graph)) {
    const members = new Set(component);
    // One cycle per folder of the component, deduplicated, so every folder involved is named.
    const seen = new Set<string>();
    for (const start of component) {
      const folders = shortestCycle(graph, members, start);
      const rotated = folders.slice(0, -1);
      const smallest = rotated.indexOf([...rotated].sort()[0]!);
      const key = [...rotated.slice(smallest), ...rotated.slice(0, smallest)].join('>');
      if (seen.has(key)) continue;
      seen.add(key);
      const evidence = folders.slice(1).map((to, i) => edges.find((e) => e.from === folders[i] && e.to === to)!);
      cycles.push({ folders, evidence });
    }
  }
  return cycles;
}

export function formatCycles(cycles: Cycle[]): string {
  return cycles
    .map((c) => [`lib/${c.folders.join(' → lib/')}`, ...c.evidence.map((e) => `    ${e.file} imports '${e.specifier}'`)].join('\n'))
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(process.argv[2] ?? '.');
  const cycles = findLibCycles(root);
  if (cycles.length > 0) {
    console.error(`Import cycles between lib/ folders (${cycles.length}); make the dependency go one way:\n${formatCycles(cycles)}`);
    process.exit(1);
  }
  console.log('lib/ folders: no import cycles.');
}
